using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>What a write command works with: the batch's connection (in its transaction), its counters and its notifications.</summary>
internal sealed class PgBatch(NpgsqlConnection connection, BatchCounters counters)
{
    private readonly List<string> _notices = [];
    private readonly List<StoredKey> _keys = [];

    /// <summary>The index in the batch of the command running now (set by the writer).</summary>
    public int CommandIndex { get; set; }

    /// <summary>Idempotency-Key records the batch's commands wrote, stored together before COMMIT.</summary>
    public IReadOnlyList<StoredKey> Keys => _keys;

    /// <summary>Stores the running command's result under its key when the batch finishes (one statement for all).</summary>
    public void StoreKey(IdempotencyScope scope, string result, DateTime expiresAt) =>
        _keys.Add(new StoredKey(CommandIndex, scope.Organization, scope.Key, scope.Fingerprint, result, expiresAt));

    public sealed record StoredKey(int Command, string Organization, string Key, string Fingerprint, string Result, DateTime ExpiresAt);

    public NpgsqlConnection Connection => connection;

    public IReadOnlyList<string> Notices => _notices;

    public void Count(int delta, params IEnumerable<string> keys) => counters.Add(delta, keys);

    /// <summary>A counter as this batch sees it: what is committed plus what the batch changed so far.</summary>
    public async Task<int> CounterAsync(string key, CancellationToken cancellationToken)
    {
        var stored = await Pg.FirstAsync(connection, "SELECT count FROM counters WHERE key = $1", r => (int)r.GetInt64(0), cancellationToken, key)
            .ConfigureAwait(false);
        return counters.Read(key, _ => stored);
    }

    /// <summary>
    /// Records a run or step change in the run's change log (what other replicas' watchers read back), under the run's
    /// next change number, in one statement; watchers are told once the batch commits.
    /// </summary>
    public async Task RecordChangeAsync(string organization, Guid runId, string kind, string body, CancellationToken cancellationToken)
    {
        var seq = await Pg.FirstAsync(connection,
            """
            WITH run AS (UPDATE runs SET change_seq = change_seq + 1 WHERE organization = $1 AND id = $2 RETURNING change_seq)
            INSERT INTO run_changes (organization, run_id, seq, kind, body) SELECT $1, $2, change_seq, $3, $4 FROM run RETURNING seq
            """,
            r => (long?)r.GetInt64(0), cancellationToken, organization, runId, kind, body).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The run of a change must exist and be locked by its command.");
        Notify(organization, runId.ToString(), seq, kind);
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
    private readonly List<Task> _settling = [];
    private long _nextMarkerSweep;
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

    public async Task<T> ExecuteAsync<T>(Func<PgBatch, CancellationToken, Task<Outcome<T>>> work, CancellationToken cancellationToken, string operation = "write")
    {
        var command = new PgCommand<T>(work, operation);
        command.CancelWith(cancellationToken); // withdrawn if cancelled (a deadline) before the writer takes it
        if (!_queue.Writer.TryWrite(command))
        {
            throw new ObjectDisposedException(nameof(PostgresWriter));
        }
        return (await command.OutcomeAsync().ConfigureAwait(false)).Unwrap();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        Task[] settling;
        lock (_settling)
        {
            settling = [.. _settling];
        }
        await Task.WhenAll(settling).ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<IPgCommand>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var command))
            {
                if (command.TryStart()) // a write its caller gave up on while queued is not run
                {
                    batch.Add(command);
                }
            }
            if (batch.Count == 0)
            {
                continue;
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
        var keysMayBeTaken = false;
        for (var races = 0; batch.Count > 0;)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var (kind, failedIndex, error, token) = await TryCommitAsync(batch, keysMayBeTaken).ConfigureAwait(false);
            switch (kind)
            {
                case Result.Committed:
                    _health.Succeeded();
                    StorageTelemetry.BatchSize.Record(batch.Count, Backend);
                    StorageTelemetry.CommitDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, Backend);
                    foreach (var command in batch)
                    {
                        command.InBatchOf(batch.Count);
                        command.Succeed();
                    }
                    return;
                case Result.CommandFailed:
                    // Nothing was committed: the failing command fails alone, the others run again. An Idempotency-Key
                    // found taken is expected (a retry): its caller decides on the stored record.
                    if (error is not IdempotencyKeyTakenException)
                    {
                        _logger.LogError(error, "A write command failed; the rest of its batch runs again");
                    }
                    batch[failedIndex].Fail(error!);
                    batch.RemoveAt(failedIndex);
                    continue;
                case Result.KeyTaken:
                    // An Idempotency-Key of the batch is stored already (a retry) or twice in it: run it again with
                    // the statement that tells which, so that only that write is undone.
                    keysMayBeTaken = true;
                    continue;
                case Result.Race when ++races < MaxRaceRetries:
                    await Task.Delay(Random.Shared.Next(5, 50)).ConfigureAwait(false);
                    continue;
                case Result.Settle:
                    // Settled beside the writer: later batches go on meanwhile (and are refused at once while the
                    // database is away) instead of queueing behind the question for seconds.
                    var settling = batch.ToList();
                    var settle = SettleBatchAsync(settling, token, error!);
                    lock (_settling)
                    {
                        _settling.Add(settle);
                    }
                    _ = settle.ContinueWith(done => { lock (_settling) { _settling.Remove(done); } }, TaskScheduler.Default);
                    return;
                default:
                    Refuse(batch, kind, error!);
                    return;
            }
        }
    }

    private async Task SettleBatchAsync(List<IPgCommand> batch, Guid token, Exception error)
    {
        Result kind;
        Exception? settled;
        try
        {
            (kind, _, settled) = await SettleAsync(token, error).ConfigureAwait(false);
        }
        catch (Exception unexpected) when (unexpected is not OutOfMemoryException)
        {
            _logger.LogError(unexpected, "A failed COMMIT could not be settled");
            (kind, settled) = (Result.Unknown, error);
        }
        if (kind != Result.Committed)
        {
            Refuse(batch, kind, settled!);
            return;
        }
        foreach (var command in batch)
        {
            command.Succeed();
        }
    }

    private void Refuse(List<IPgCommand> batch, Result kind, Exception error)
    {
        var unknown = kind == Result.Unknown;
        _health.Failed(error, batch.Count);
        // The outage itself is logged once (health); only an outcome the database could not tell is worth a line each.
        _logger.Log(unknown ? LogLevel.Warning : LogLevel.Debug, "PostgreSQL unreachable: a write batch of {Count} was {Outcome} ({Reason})",
            batch.Count, unknown ? "perhaps committed (outcome unknown)" : "not written", error.Message);
        var refusal = PostgresFaults.Unreachable(RetryAfter, outcomeUnknown: unknown);
        foreach (var command in batch)
        {
            command.Fail(refusal);
        }
    }

    private enum Result
    {
        Committed,
        Settle,
        CommandFailed,
        KeyTaken,
        Race,
        NotCommitted,
        Unknown,
    }

    /// <summary>One attempt at the batch; <see cref="Result.Settle"/> when COMMIT failed (the batch's marker token to settle with).</summary>
    private async Task<(Result Kind, int FailedIndex, Exception? Error, Guid Token)> TryCommitAsync(List<IPgCommand> batch, bool keysMayBeTaken)
    {
        var token = Guid.NewGuid();
        var committing = false;
        try
        {
            await using var connection = await _data.OpenConnectionAsync().ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted).ConfigureAwait(false);
            _counters.Clear();
            var context = new PgBatch(connection, _counters);
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    context.CommandIndex = i;
                    await batch[i].RunAsync(context).ConfigureAwait(false);
                }
                catch (Exception error) when (!PostgresFaults.IsUnreachable(error) && !PostgresFaults.IsRetryable(error))
                {
                    return (Result.CommandFailed, i, error, token); // the transaction is rolled back when disposed
                }
            }
            if (await FinishAsync(connection, context, token, keysMayBeTaken).ConfigureAwait(false) is { } taken)
            {
                return (Result.CommandFailed, taken, new IdempotencyKeyTakenException(), token); // that write is undone
            }
            committing = true;
            await transaction.CommitAsync().ConfigureAwait(false);
            return (Result.Committed, -1, null, token);
        }
        catch (Exception error) when (committing && error is not OutOfMemoryException)
        {
            return (Result.Settle, -1, error, token);
        }
        catch (PostgresException error) when (!keysMayBeTaken && error is { SqlState: PostgresErrorCodes.UniqueViolation, TableName: "idempotency_keys" })
        {
            return (Result.KeyTaken, -1, error, token); // the transaction is rolled back when disposed
        }
        catch (Exception error) when (PostgresFaults.IsRetryable(error))
        {
            return (Result.Race, -1, error, token);
        }
        catch (Exception error) when (PostgresFaults.IsUnreachable(error))
        {
            return (Result.NotCommitted, -1, error, token); // before COMMIT: the database rolls the transaction back
        }
    }

    /// <summary>
    /// <c>COMMIT</c> failed or its answer was lost: over a new connection, tries to insert the batch's marker itself (and
    /// rolls that back). The unique index makes the insert wait while the batch's transaction is still running, then fail
    /// if it committed or go through if it did not: committed or not, certainly, whatever else commits meanwhile. Unknown
    /// only when the database cannot be asked for several seconds.
    /// </summary>
    private async Task<(Result, int, Exception?)> SettleAsync(Guid token, Exception error)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                await using var connection = await _data.OpenConnectionAsync().ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
                await using var probe = Pg.Command(connection, "INSERT INTO write_markers (token) VALUES ($1)", token);
                probe.CommandTimeout = SettleWaitSeconds; // a COMMIT still running on a live server ends well within this
                try
                {
                    await probe.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
                catch (PostgresException committed) when (committed.SqlState == PostgresErrorCodes.UniqueViolation)
                {
                    _logger.LogWarning("A COMMIT answered with an error ({Reason}) but the transaction committed: its writes are acknowledged", error.Message);
                    return (Result.Committed, -1, null);
                }
                await transaction.RollbackAsync().ConfigureAwait(false);
                return (Result.NotCommitted, -1, error);
            }
            catch (Exception unreachable) when (PostgresFaults.IsUnreachable(unreachable))
            {
                // not reachable yet
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }
        return (Result.Unknown, -1, error);
    }

    /// <summary>
    /// The batch's last statements, in one round trip: its Idempotency-Key records in one statement; its commit marker;
    /// its counter changes, one statement in key order (so concurrent replicas never deadlock on them), counters that
    /// reach zero removed; its notifications (sent by the database at commit).
    /// <para>
    /// The keys' statement is a plain <c>INSERT</c>, in key order (replicas inserting the same keys wait for each other
    /// instead of deadlocking): a key another transaction holds is waited for, and a key already stored fails it with a
    /// unique violation, which runs the batch again with <paramref name="keysMayBeTaken"/>. Then the statement is
    /// <c>ON CONFLICT DO NOTHING RETURNING</c>, and the first command whose key was already taken (or taken twice in this
    /// batch) is returned — the caller rolls all of it back. Null when every key was stored. (<c>ON CONFLICT</c> costs
    /// the database ~5 µs more per row, measured, which is why it is not the usual statement.)
    /// </para>
    /// </summary>
    private async Task<int?> FinishAsync(NpgsqlConnection connection, PgBatch context, Guid token, bool keysMayBeTaken)
    {
        // One order on every replica, so two inserting the same keys take them in the same order.
        var keys = context.Keys.OrderBy(k => k.Organization, StringComparer.Ordinal).ThenBy(k => k.Key, StringComparer.Ordinal).ToList();
        await using var statements = new NpgsqlBatch(connection);
        if (keys.Count > 0)
        {
            statements.BatchCommands.Add(Pg.BatchCommand(
                keysMayBeTaken ? StoreKeysTelling : StoreKeys,
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Texts(keys.Select(k => k.Key)), Pg.Texts(keys.Select(k => k.Fingerprint)),
                Pg.Texts(keys.Select(k => k.Result)), keys.Select(k => DateTime.SpecifyKind(k.ExpiresAt, DateTimeKind.Utc)).ToArray()));
            context.Count(keys.Count, IdempotencyRules.Counter); // what commits: a batch with a key taken does not
        }
        statements.BatchCommands.Add(Pg.BatchCommand("INSERT INTO write_markers (token) VALUES ($1)", token));
        if (Environment.TickCount64 >= _nextMarkerSweep)
        {
            // Markers are needed only while a settle may ask about them (seconds): old ones go, once a minute.
            statements.BatchCommands.Add(Pg.BatchCommand("DELETE FROM write_markers WHERE written_at < now() - interval '10 minutes'"));
            _nextMarkerSweep = Environment.TickCount64 + 60_000;
        }
        var changes = _counters.Changes.ToList();
        if (changes.Count > 0)
        {
            var counters = Pg.Texts(changes.Select(c => c.Key));
            statements.BatchCommands.Add(Pg.BatchCommand(
                """
                INSERT INTO counters (key, count) SELECT * FROM unnest($1::text[], $2::bigint[])
                ON CONFLICT (key) DO UPDATE SET count = counters.count + excluded.count
                """,
                counters, changes.Select(c => (long)c.Value).ToArray()));
            statements.BatchCommands.Add(Pg.BatchCommand("DELETE FROM counters WHERE key = ANY($1) AND count = 0", counters));
        }
        if (context.Notices.Count > 0)
        {
            statements.BatchCommands.Add(Pg.BatchCommand("SELECT pg_notify($1, notice) FROM unnest($2) AS notice", _channel, Pg.Texts(context.Notices)));
        }
        HashSet<(string, string)> stored = [];
        await using (var reader = await statements.ExecuteReaderAsync().ConfigureAwait(false))
        {
            if (keys.Count > 0 && keysMayBeTaken)
            {
                stored = (await Pg.ReadAllAsync(reader, r => (r.Text(0), r.Text(1)), CancellationToken.None).ConfigureAwait(false)).ToHashSet();
            }
            while (await reader.NextResultAsync().ConfigureAwait(false))
            {
            }
        }
        _counters.Clear();
        if (!keysMayBeTaken)
        {
            return null; // the plain INSERT stored every key, or failed
        }
        foreach (var key in context.Keys)
        {
            if (!stored.Remove((key.Organization, key.Key)))
            {
                return key.Command;
            }
        }
        return null;
    }

    private const string StoreKeys = """
        INSERT INTO idempotency_keys (organization, key, fingerprint, result_json, expires_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
        """;

    private const string StoreKeysTelling = StoreKeys + " ON CONFLICT DO NOTHING RETURNING organization, key";

    private static readonly KeyValuePair<string, object?> Backend = new("backend", "postgres");

    private interface IPgCommand
    {
        bool TryStart();

        void InBatchOf(int size);

        Task RunAsync(PgBatch batch);

        void Succeed();

        void Fail(Exception error);
    }

    private sealed class PgCommand<T>(Func<PgBatch, CancellationToken, Task<Outcome<T>>> work, string operation) : QueuedWrite<Outcome<T>>(operation), IPgCommand
    {
        private Outcome<T> _result;

        public async Task RunAsync(PgBatch batch) => _result = await work(batch, CancellationToken.None).ConfigureAwait(false);

        public void Succeed() => Complete(_result);

        public void Fail(Exception error) => Complete(error);
    }
}
