using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Telemetry;

namespace Missions.Grpc.Idempotency;

/// <summary>
/// Deletes expired <c>Idempotency-Key</c> records in the background, in bounded batches (each one write command, so a
/// purge never holds the writer long), every <see cref="IdempotencyOptions.PurgeIntervalSeconds"/>; publishes how many
/// are stored. A storage outage skips a round (it is reported by health and the writers already).
/// </summary>
public sealed partial class IdempotencyPurge(IIdempotencyStore keys, IOptions<IdempotencyOptions> options, ILogger<IdempotencyPurge> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.PurgeIntervalSeconds));
        do
        {
            try
            {
                int purged;
                do
                {
                    purged = await keys.PurgeExpiredAsync(settings.PurgeBatchSize, stoppingToken);
                    ApiTelemetry.IdempotencyKeysPurged.Add(purged);
                }
                while (purged == settings.PurgeBatchSize && !stoppingToken.IsCancellationRequested);
                ApiTelemetry.IdempotencyKeysStored(await keys.CountAsync(stoppingToken));
            }
            catch (Exception error) when (error is StorageUnavailableException or ObjectDisposedException && !stoppingToken.IsCancellationRequested)
            {
                LogSkipped(logger, error.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Idempotency-Key purge skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);
}
