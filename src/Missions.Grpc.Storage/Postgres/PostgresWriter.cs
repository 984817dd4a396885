using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>What a write command works with: the batch's connection (in its transaction), its counters and its notifications.</summary>
internal sealed class PgBatch(NpgsqlConnection connection, BatchCounters counters, string channel)
{
    private readonly List<string> _notices = [];

    public NpgsqlConnection Connection => connection;

    public IReadOnlyList<string> Notices => _notices;

    public string Channel => channel;

    public void Count(int delta, params IEnumerable<string> keys) => counters.Add(delta, keys);

    /// <summary>A counter as this batch sees it: what is committed plus what the batch changed so far.</summary>
    public async Task<int> CounterAsync(string key, CancellationToken cancellationToken)
    {
        var stored = await Pg.FirstAsync(connection, "SELECT count FROM counters WHERE key = $1", r => (int)r.GetInt64(0), cancellationToken, key)
            .ConfigureAwait(false);
        return counters.Read(key, _ => stored);
    }

    /// <summary>
    /// Takes the run's next change number (locking the run's row until the batch commits, so numbers follow commit order
    /// across replicas) and tells watchers on every replica once the batch commits. Null when there is no such run.
    /// </summary>
    public async Task<long?> NextChangeAsync(string organization, Guid runId, string kind, CancellationToken cancellationToken)
    {
        var seq = await Pg.FirstAsync(connection,
            "UPDATE runs SET change_seq = change_seq + 1 WHERE organization = $1 AND id = $2 RETURNING change_seq",
            r => (long?)r.GetInt64(0), cancellationToken, organization, runId).ConfigureAwait(false);
        if (seq is { } taken)
        {
            Notify(organization, runId.ToString(), taken, kind);
        }
        return seq;
    }

    /// <summary>Records a run or step change in the run's change log (what other replicas' watchers read back).</summary>
    public async Task RecordChangeAsync(string organization, Guid runId, string kind, string body, CancellationToken cancellationToken)
    {
        var seq = await NextChangeAsync(organization, runId, kind, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The run of a change must exist and be locked by its command.");
        await Pg.ExecuteAsync(connection, "INSERT INTO run_changes (organization, run_id, seq, kind, body) VALUES ($1, $2, $3, $4, $5)",
            cancellationToken, organization, runId, seq, kind, body).ConfigureAwait(false);
    }

    /// <summary>Tells watchers, once the batch commits, about a change that took <paramref name="seq"/> (an event).</summary>
    public void Notified(string organization, string runId, long seq, string kind) => Notify(organization, runId, seq, kind);

    /// <summary>Tells watchers, once the batch commits, that the run is gone.</summary>
    public void NotifyRemoved(string organization, string runId) => Notify(organization, runId, 0, PostgresFeed.Removed);

    private void Notify(string organization, string runId, long seq, string kind) =>
        _notices.Add(PostgresFeed.Notice(organization, runId, seq, kind));
}

/// <summary>
/// Group commit for PostgreSQL, one writer per replica: queued write commands run in one transaction per batch (READ
/// COMMITTED; each command locks the rows its decision depends on), their counter changes are applied once per counter
/// (in key order, so concurrent replicas never deadlock on them), their notifications are sent with the commit, and
/// callers are answered only after <c>COMMIT</c> returned. A command that fails on its own fails alone (the batch runs
/// again without it); a deadlock or serialization failure runs the batch again; an unreachable database answers
/// "not written" (503) — and a <c>COMMIT</c> whose answer was lost is settled by asking the database what became of
/// the batch's marker (<c>write_markers</c>), never by running it again.
/// </summary>
internal sealed class PostgresWriter : IAsyncDisposable
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);
    private const int MaxRaceRetries = 5;
    private const int SettleWaitSeconds = 10;

    private readonly NpgsqlDataSource _data;
    private readonly int _maxBatch;
    private readonly string _channel;
    private readonly PostgresHealth _health;
    private readonly ILogger _logger;
    private readonly Channel<IPgCommand> _queue = Channel.CreateUnbounded<IPgCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly BatchCounters _counters = new();
    private readonly Guid _writer = Guid.NewGuid();
    private bool _markerCreated;
    private readonly Task _loop;

    public PostgresWriter(NpgsqlDataSource data, int maxBatch, string channel, PostgresHealth health, ILogger logger)
    {
        _data = data;
        _maxBatch = maxBatch;
        _channel = channel;
        _health = health;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public async Task<T> ExecuteAsync<T>(Func<PgBatch, CancellationToken, Task<Outcome<T>>> work, CancellationToken cancellationToken)
    {
        var command = new PgCommand<T>(work);
        if (!_queue.Writer.TryWrite(command))
        {
            throw new ObjectDisposedException(nameof(PostgresWriter));
        }
        return (await command.Completion.WaitAsync(cancellationToken).ConfigureAwait(false)).Unwrap();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_markerCreated)
        {
            try
            {
                await using var connection = await _data.OpenConnectionAsync().ConfigureAwait(false);
                await Pg.ExecuteAsync(connection, "DELETE FROM write_markers WHERE writer = $1", CancellationToken.None, _writer).ConfigureAwait(false);
            }
            catch (Exception error) when (PostgresFaults.IsUnreachable(error))
            {
                // left behind; removed by another replica after 30 days
            }
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<IPgCommand>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var command))
            {
                batch.Add(command);
            }
            try
            {
                await CommitAsync(batch).ConfigureAwait(false);
            }
            catch (Exception unexpected)
            {
                _logger.LogError(unexpected, "Write batch of {Count} failed unexpectedly; nothing was acknowledged", batch.Count);
                foreach (var command in batch)
                {
                    command.Fail(unexpected);
                }
            }
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<IPgCommand> batch)
    {
        for (var races = 0; batch.Count > 0;)
        {
            var (kind, failedIndex, error) = await TryCommitAsync(batch).ConfigureAwait(false);
            switch (kind)
            {
                case Result.Committed:
                    _health.Succeeded();
                    foreach (var command in batch)
                    {
                        command.Succeed();
                    }
                    return;
                case Result.CommandFailed:
                    // Nothing was committed: the failing command fails alone, the others run again.
                    _logger.LogError(error, "A write command failed; the rest of its batch runs again");
                    batch[failedIndex].Fail(error!);
                    batch.RemoveAt(failedIndex);
                    continue;
                case Result.Race when ++races < MaxRaceRetries:
                    await Task.Delay(Random.Shared.Next(5, 50)).ConfigureAwait(false);
                    continue;
                default:
                    var unknown = kind == Result.Unknown;
                    _health.Failed(error!, batch.Count);
                    // The outage itself is logged once (health); only an outcome the database could not tell is worth a line each.
                    _logger.Log(unknown ? LogLevel.Warning : LogLevel.Debug, "PostgreSQL unreachable: a write batch of {Count} was {Outcome} ({Reason})",
                        batch.Count, unknown ? "perhaps committed (outcome unknown)" : "not written", error?.Message);
                    var refusal = PostgresFaults.Unreachable(RetryAfter, outcomeUnknown: unknown);
                    foreach (var command in batch)
                    {
                        command.Fail(refusal);
                    }
                    return;
            }
        }
    }

    private enum Result
    {
        Committed,
        CommandFailed,
        Race,
        NotCommitted,
        Unknown,
    }

    private async Task<(Result Kind, int FailedIndex, Exception? Error)> TryCommitAsync(List<IPgCommand> batch)
    {
        var token = Guid.NewGuid();
        var committing = false;
        try
        {
            await using var connection = await _data.OpenConnectionAsync().ConfigureAwait(false);
            if (!_markerCreated)
            {
                // This writer's marker row exists before any batch sets it, so a settle's FOR SHARE always has a row to wait on.
                await Pg.ExecuteAsync(connection, "INSERT INTO write_markers (writer, token) VALUES ($1, $1) ON CONFLICT (writer) DO NOTHING",
                    CancellationToken.None, _writer).ConfigureAwait(false);
                await Pg.ExecuteAsync(connection, "DELETE FROM write_markers WHERE written_at < now() - interval '30 days'", // crashed replicas'
                    CancellationToken.None).ConfigureAwait(false);
                _markerCreated = true;
            }
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted).ConfigureAwait(false);
            _counters.Clear();
            var context = new PgBatch(connection, _counters, _channel);
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    await batch[i].RunAsync(context).ConfigureAwait(false);
                }
                catch (Exception error) when (!PostgresFaults.IsUnreachable(error) && !PostgresFaults.IsRetryable(error))
                {
                    return (Result.CommandFailed, i, error); // the transaction is rolled back when disposed
                }
            }
            if (!await FinishAsync(connection, context, token).ConfigureAwait(false))
            {
                _markerCreated = false; // removed as stale (a writer idle for weeks): created again, the batch runs again
                return (Result.Race, -1, new InvalidOperationException("This replica's write marker was removed; the batch runs again."));
            }
            committing = true;
            await transaction.CommitAsync().ConfigureAwait(false);
            return (Result.Committed, -1, null);
        }
        catch (Exception error) when (committing && error is not OutOfMemoryException)
        {
            return await SettleAsync(token, error).ConfigureAwait(false);
        }
        catch (Exception error) when (PostgresFaults.IsRetryable(error))
        {
            return (Result.Race, -1, error);
        }
        catch (Exception error) when (PostgresFaults.IsUnreachable(error))
        {
            return (Result.NotCommitted, -1, error); // before COMMIT: the database rolls the transaction back
        }
    }

    /// <summary>
    /// <c>COMMIT</c> failed or its answer was lost: reads this writer's marker over a new connection, once any transaction
    /// still holding it has ended. The batch's token there means committed; anything else, not. Unknown only when the
    /// database cannot be asked for several seconds.
    /// </summary>
    private async Task<(Result, int, Exception?)> SettleAsync(Guid token, Exception error)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                await using var connection = await _data.OpenConnectionAsync().ConfigureAwait(false);
                await using var read = Pg.Command(connection, "SELECT token FROM write_markers WHERE writer = $1 FOR SHARE", _writer);
                read.CommandTimeout = SettleWaitSeconds; // a COMMIT still running on a live server ends well within this
                var marked = await read.ExecuteScalarAsync().ConfigureAwait(false) as Guid?;
                if (marked == token)
                {
                    _logger.LogWarning("A COMMIT answered with an error ({Reason}) but the transaction committed: its writes are acknowledged", error.Message);
                    return (Result.Committed, -1, null);
                }
                return (Result.NotCommitted, -1, error);
            }
            catch (Exception probe) when (PostgresFaults.IsUnreachable(probe))
            {
                // not reachable yet
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }
        return (Result.Unknown, -1, error);
    }

    /// <summary>
    /// The batch's tail, one round trip: its marker; its counter changes, one statement in key order (so concurrent
    /// replicas never deadlock on them), counters that reach zero removed; its notifications (sent by the database at commit).
    /// </summary>
    /// <returns>False when this writer's marker row is gone.</returns>
    private async Task<bool> FinishAsync(NpgsqlConnection connection, PgBatch context, Guid token)
    {
        await using var statements = new NpgsqlBatch(connection)
        {
            BatchCommands = { Pg.BatchCommand("UPDATE write_markers SET token = $2, written_at = now() WHERE writer = $1", _writer, token) },
        };
        var changes = _counters.Changes.ToList();
        if (changes.Count > 0)
        {
            var keys = Pg.Texts(changes.Select(c => c.Key));
            statements.BatchCommands.Add(Pg.BatchCommand(
                """
                INSERT INTO counters (key, count) SELECT * FROM unnest($1::text[], $2::bigint[])
                ON CONFLICT (key) DO UPDATE SET count = counters.count + excluded.count
                """,
                keys, changes.Select(c => (long)c.Value).ToArray()));
            statements.BatchCommands.Add(Pg.BatchCommand("DELETE FROM counters WHERE key = ANY($1) AND count = 0", keys));
        }
        if (context.Notices.Count > 0)
        {
            statements.BatchCommands.Add(Pg.BatchCommand("SELECT pg_notify($1, notice) FROM unnest($2) AS notice", _channel, Pg.Texts(context.Notices)));
        }
        await statements.ExecuteNonQueryAsync().ConfigureAwait(false);
        _counters.Clear();
        return statements.BatchCommands[0].RecordsAffected == 1;
    }

    private interface IPgCommand
    {
        Task RunAsync(PgBatch batch);

        void Succeed();

        void Fail(Exception error);
    }

    private sealed class PgCommand<T>(Func<PgBatch, CancellationToken, Task<Outcome<T>>> work) : IPgCommand
    {
        private readonly TaskCompletionSource<Outcome<T>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Outcome<T> _result;

        public Task<Outcome<T>> Completion => _completion.Task;

        public async Task RunAsync(PgBatch batch) => _result = await work(batch, CancellationToken.None).ConfigureAwait(false);

        public void Succeed() => _completion.TrySetResult(_result);

        public void Fail(Exception error) => _completion.TrySetException(error);
    }
}
