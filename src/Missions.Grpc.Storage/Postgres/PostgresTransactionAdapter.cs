using Microsoft.Extensions.Logging;
using Missions.Grpc.Storage.Writing;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// The write pipeline's PostgreSQL side: one READ COMMITTED transaction per batch on a pooled connection, in a constant
/// number of round trips whatever the batch holds — the load (every row the batch decides on, locked, in one
/// <see cref="NpgsqlBatch"/>), the write (every row it changed, its counters, keys, run changes, commit marker and
/// notifications, in one more) and <c>COMMIT</c> (<see cref="PostgresBatchTransaction"/>). Replicas each run a pipeline;
/// their batches meet in the row locks, so a decision on one replica is never taken against a row another is changing.
/// </summary>
internal sealed class PostgresTransactionAdapter(NpgsqlDataSource data, string channel, ILogger logger) : ITransactionAdapter
{
    /// <summary>How long a settle's marker insert waits for the batch's own transaction (a COMMIT on a live server ends well within it).</summary>
    private const int SettleWaitSeconds = 10;

    /// <summary>Markers are needed only while a settle may ask about them (seconds): old ones are swept, once a minute.</summary>
    private long _nextMarkerSweep;

    public string Name => "postgres";

    public StorageHealthStatus DuringOutage => StorageHealthStatus.Unavailable;

    /// <summary>The notification channel (one per schema) that run changes are announced on.</summary>
    public string Channel => channel;

    public IBatchTransaction Begin()
    {
        var sweep = Environment.TickCount64 >= _nextMarkerSweep;
        if (sweep)
        {
            _nextMarkerSweep = Environment.TickCount64 + 60_000;
        }
        return new PostgresBatchTransaction(this, data.OpenConnection(), sweep);
    }

    public BatchFailure Classify(Exception error) =>
        PostgresFaults.IsUnreachable(error) ? BatchFailure.Of(StorageFaultKind.Unreachable)
        // A deadlock or serialization failure, or a key or a setting another replica's transaction stored first: the next
        // load sees the winner.
        : PostgresFaults.IsRetryable(error) || error is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, TableName: "idempotency_keys" or "settings" }
            ? BatchFailure.Race(StorageFaultKind.Unreachable)
        : BatchFailure.Refused;

    public void Housekeeping(bool writesFailing)
    {
    }

    public TimeSpan? HousekeepingDue => null;

    public StorageHealthReport? Health() => null;

    public void Stop()
    {
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// <c>COMMIT</c> failed or its answer was lost: over a new connection, tries to insert the batch's marker itself (and
    /// rolls that back). The unique index makes the insert wait while the batch's transaction is still running, then fail
    /// if it committed or go through if it did not: committed or not, certainly, whatever else commits meanwhile. Unknown
    /// only when the database cannot be asked for several seconds.
    /// </summary>
    internal async Task<CommitOutcome> SettleAsync(Guid token, Exception error)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                await using var connection = await data.OpenConnectionAsync().ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
                await using var probe = Pg.Command(connection, "INSERT INTO write_markers (token) VALUES ($1)", token);
                probe.CommandTimeout = SettleWaitSeconds;
                try
                {
                    await probe.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
                catch (PostgresException committed) when (committed.SqlState == PostgresErrorCodes.UniqueViolation)
                {
                    PostgresLog.CommitErrorButCommitted(logger, error.Message);
                    return CommitOutcome.Committed;
                }
                await transaction.RollbackAsync().ConfigureAwait(false);
                return CommitOutcome.NotCommitted;
            }
            catch (Exception unreachable) when (PostgresFaults.IsUnreachable(unreachable))
            {
                // not reachable yet
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }
        return CommitOutcome.Unknown;
    }
}
