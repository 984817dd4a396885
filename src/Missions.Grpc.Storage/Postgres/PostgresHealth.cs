using Microsoft.Extensions.Logging;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// Whether the database answers: a failed operation marks it unreachable at once; a probe (<c>SELECT 1</c>, every two
/// seconds) marks it healthy again, without waiting for traffic. Never blocks <see cref="Check"/>.
/// </summary>
internal sealed class PostgresHealth : IStorageHealth, IAsyncDisposable
{
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromSeconds(2);

    private readonly NpgsqlDataSource _data;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Task _probe;
    private volatile string? _failure;
    private long _since;
    private int _refused;

    public PostgresHealth(NpgsqlDataSource data, ILogger logger)
    {
        _data = data;
        _logger = logger;
        _probe = Task.Run(ProbeAsync);
    }

    public StorageHealthReport Check() => _failure is { } failure
        ? new StorageHealthReport(StorageHealthStatus.Unavailable, $"PostgreSQL is unreachable: {failure}")
        : new StorageHealthReport(StorageHealthStatus.Healthy, "PostgreSQL answers");

    /// <summary>
    /// Marks the database unreachable; <paramref name="refused"/> writes were answered 503 for it. The outage is logged
    /// once, when it starts (Error), and once when it ends (Information, with what it cost).
    /// </summary>
    public void Failed(Exception error, int refused = 0)
    {
        lock (_gate)
        {
            if (_failure is null)
            {
                _since = Environment.TickCount64;
                _refused = 0;
                _logger.LogError("PostgreSQL is unreachable: {Reason}; requests answer 503 until it answers again", error.Message);
            }
            _refused += refused;
            _failure = error.Message;
        }
    }

    public void Succeeded()
    {
        if (_failure is null)
        {
            return;
        }
        lock (_gate)
        {
            if (_failure is not null)
            {
                _logger.LogInformation("PostgreSQL answers again after {Seconds:0.0} s; {Refused} writes were refused meanwhile",
                    (Environment.TickCount64 - _since) / 1000.0, _refused);
                _failure = null;
            }
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // the container disposes what its factories returned, the backend disposes it too
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _probe.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ProbeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ProbeEvery, _stop.Token).ConfigureAwait(false);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(ProbeEvery);
                await using var connection = await _data.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
                await Pg.ExecuteAsync(connection, "SELECT 1", timeout.Token).ConfigureAwait(false);
                Succeeded();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                Failed(error);
            }
        }
    }
}
