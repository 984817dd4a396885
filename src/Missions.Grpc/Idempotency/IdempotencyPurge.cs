using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Telemetry;

namespace Missions.Grpc.Idempotency;

/// <summary>
/// Deletes expired <c>Idempotency-Key</c> records in the background, in bounded batches (each one write command, so a
/// purge never holds the writer long), every <see cref="IdempotencyOptions.PurgeIntervalSeconds"/>; publishes how many
/// are stored. A failing round is skipped (a storage outage quietly: health and the writers report it), never stopping
/// the server.
/// </summary>
internal sealed class IdempotencyPurge(IIdempotencyStore keys, IOptions<IdempotencyOptions> options, ApiMetrics metrics, ILogger<IdempotencyPurge> logger)
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
                    metrics.IdempotencyKeysPurged(purged);
                }
                while (purged == settings.PurgeBatchSize && !stoppingToken.IsCancellationRequested);
                metrics.IdempotencyKeysStored(await keys.CountAsync(stoppingToken));
            }
            catch (StorageUnavailableException error)
            {
                IdempotencyLog.PurgeSkipped(logger, error.Message); // reported by health and the writers already
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                // A background chore never stops the server: the round is skipped and tried again.
                IdempotencyLog.PurgeFailed(logger, error);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
