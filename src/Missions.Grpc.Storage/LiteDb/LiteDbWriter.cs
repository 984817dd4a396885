using System.Threading.Channels;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The one writer of a LiteDB database. Callers queue commands; a dedicated thread takes every command waiting
/// (up to a batch size), runs them in one transaction with the batch's commit marker and commits (group commit),
/// then completes each caller. One writer because LiteDB 5.0.21 can corrupt its file when transactions write
/// different collections concurrently (litedb-org/LiteDB#2825), and because one commit per batch is several
/// times faster than one per write.
/// <para>
/// What a caller is told is what the files hold (docs/storage.md):
/// <list type="bullet">
/// <item>Success only after the batch's commit returned: the batch is in the log.</item>
/// <item>A command that fails on its own (before the commit) is rolled back with its batch and fails alone; the
/// rest run again — certain not to be stored twice, since nothing was committed.</item>
/// <item>A commit that throws is never retried blind: the session is fenced and closed, the files are opened
/// again, and the commit marker read back says whether the batch is in them. If the files cannot be opened, the
/// failed commit's tail is cut from the log, so it is certainly not. Only if even that fails is the outcome
/// reported as unknown.</item>
/// <item>Checkpoints (log into data file) run here between batches, never inside a commit (LiteDB's automatic
/// checkpoint is off), and their failure is logged and retried, never charged to a request.</item>
/// <item>After a storage fault, writes are refused at once (503 with the time of the next attempt) until an
/// attempt — a queued batch, or an empty probe batch when none is queued — commits again.</item>
/// </list>
/// </para>
/// </summary>
internal sealed class LiteDbWriter : IDisposable
{
    private readonly LiteDbConnection _connection;
    private readonly int _maxBatch;
    private readonly long _checkpointLogBytes;
    private readonly ILogger _logger;
    private readonly Channel<IWriteCommand> _queue;
    private readonly Thread _thread;
    private Task<bool>? _waiting;

    /// <summary>The commit marker of the last batch in the files.</summary>
    private long _committed;

    /// <summary>Set while writes fail; read by callers to refuse at once.</summary>
    private volatile Outage? _writes;

    /// <summary>Set while checkpoints fail (the writer's thread only).</summary>
    private volatile Outage? _checkpoints;

    /// <summary>A session a read found failed, for the writer to replace.</summary>
    private LiteDbSession? _failedSession;

    /// <summary>A batch whose commit failed while its outcome could not be established; settled at the next open.</summary>
    private (IReadOnlyList<IWriteCommand> Batch, long Sequence)? _unresolved;

    /// <summary>
    /// Starts the writer on <paramref name="connection"/>'s open session. A first, empty batch is committed on the
    /// calling thread: a disk that cannot be written fails the start (<see cref="StorageStartException"/>), not the
    /// first request.
    /// </summary>
    public LiteDbWriter(LiteDbConnection connection, int maxBatch, long checkpointLogBytes, ILogger logger)
    {
        _connection = connection;
        _maxBatch = Math.Max(1, maxBatch);
        _checkpointLogBytes = checkpointLogBytes;
        _logger = logger;
        _committed = connection.Session!.CommittedSequence;
        _queue = Channel.CreateBounded<IWriteCommand>(new BoundedChannelOptions(16 * 1024)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var probe = Commit([]);
        if (probe.Kind != BatchResultKind.Committed)
        {
            throw connection.CannotWrite(LiteDbFaults.Classify(probe.Error!) ?? StorageFaultKind.IoError, probe.Error!);
        }
        _connection.ReadFaulted += ReplaceSession;
        _thread = new Thread(Run) { IsBackground = true, Name = "litedb-writer" };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="work"/>; the task completes after the batch holding it committed.</summary>
    public Task<T> ExecuteAsync<T>(Func<LiteDatabase, T> work, CancellationToken cancellationToken) =>
        ExecuteAsync(work, null, cancellationToken);

    /// <summary>
    /// Like <see cref="ExecuteAsync{T}(Func{LiteDatabase, T}, CancellationToken)"/>; <paramref name="afterCommit"/>
    /// runs on the writer thread right after the commit, in commit order, before the caller is completed
    /// (how committed changes are published to watchers in order). It must not block or throw. While writes
    /// fail, the task fails at once with <see cref="StorageUnavailableException"/>.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<LiteDatabase, T> work, Action<T>? afterCommit, CancellationToken cancellationToken, string operation = "write")
    {
        if (_writes is { IsDue: false } outage)
        {
            outage.Refused(1);
            throw outage.Refusal();
        }
        var command = new WriteCommand<T>(work, afterCommit, operation);
        command.CancelWith(cancellationToken); // withdrawn if cancelled (a deadline) before the writer takes it
        var outcome = command.OutcomeAsync(); // observed from here: a caller cancelled while the queue is full is withdrawn too
        await _queue.Writer.WriteAsync(command, cancellationToken).ConfigureAwait(false);
        return await outcome.ConfigureAwait(false);
    }

    /// <summary>How storage is doing, from what the writer last saw (no I/O).</summary>
    public StorageHealthReport Health()
    {
        if (_connection.Reopening)
        {
            // A swap in progress (milliseconds): reads wait for it, so the service is degraded, not down.
            return new(StorageHealthStatus.Degraded, "storage files are being reopened after a fault; reads wait for them" + (_writes is { } w ? $": {w.Describe()}" : ""));
        }
        if (_connection.Session is null)
        {
            return new(StorageHealthStatus.Unavailable, "storage files are closed after a fault and cannot be opened yet; the writer tries again" + (_writes is { } w ? $": {w.Describe()}" : ""));
        }
        if (_writes is { } writes)
        {
            return new(StorageHealthStatus.Degraded, $"writes are failing: {writes.Describe()}; reads are served");
        }
        if (_checkpoints is { } checkpoints)
        {
            return new(StorageHealthStatus.Degraded, $"log checkpoints are failing: {checkpoints.Describe()}; committed writes are safe in the log");
        }
        return new(StorageHealthStatus.Healthy, "storage reads and writes work");
    }

    /// <summary>Takes every queued write, then the last checkpoint, then stops the thread.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join();
        _connection.ReadFaulted -= ReplaceSession;
    }

    private void Run()
    {
        var batch = new List<IWriteCommand>(_maxBatch);
        var reader = _queue.Reader;
        while (WaitForCommands(reader))
        {
            while (batch.Count < _maxBatch && reader.TryRead(out var command))
            {
                if (command is not Wake && command.TryStart()) // a write its caller gave up on while queued is not run
                {
                    batch.Add(command);
                }
            }
            try
            {
                if (batch.Count > 0)
                {
                    Execute(batch);
                }
                Housekeeping(idle: !reader.TryPeek(out _));
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // A defect here must not take the process down (an exception on this thread would): fail the batch.
                _logger.LogCritical(error, "The storage writer failed unexpectedly; the writes of this batch were refused");
                FailAll(batch, error);
            }
            batch.Clear();
        }
        Checkpoint(final: true);
    }

    /// <summary>Waits for queued commands, doing what falls due meanwhile; false once the queue is completed and empty.</summary>
    private bool WaitForCommands(ChannelReader<IWriteCommand> reader)
    {
        while (!reader.TryPeek(out _))
        {
            _waiting ??= reader.WaitToReadAsync().AsTask();
            if (!_waiting.Wait(HousekeepingDelay()))
            {
                Housekeeping(idle: true);
                continue;
            }
            var more = _waiting.Result;
            _waiting = null;
            if (!more)
            {
                return false;
            }
        }
        return true;
    }

    private TimeSpan HousekeepingDelay()
    {
        if (Volatile.Read(ref _failedSession) is not null)
        {
            return TimeSpan.Zero;
        }
        var due = _writes?.NextAttempt ?? _checkpoints?.NextAttempt ?? long.MaxValue;
        return due == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, due - Environment.TickCount64));
    }

    /// <summary>Between batches: replace a session a read found failed, probe a write outage when idle, checkpoint.</summary>
    private void Housekeeping(bool idle)
    {
        ReplaceFailedSession();
        if (idle && _writes is { IsDue: true })
        {
            Execute([]); // the probe: an empty batch still commits its marker
        }
        Checkpoint(final: false);
    }

    /// <summary>A read found the open session failed (LiteDB closes its engine after an I/O error): open the files again.</summary>
    private void ReplaceFailedSession()
    {
        if (Interlocked.Exchange(ref _failedSession, null) is { } failed && ReferenceEquals(failed, _connection.Session))
        {
            _logger.LogWarning("A read failed on storage; reopening the database files");
            Reopen(failed);
        }
    }

    private void Execute(List<IWriteCommand> batch)
    {
        while (true)
        {
            if (_writes is { IsDue: false } refusing)
            {
                refusing.Refused(batch.Count);
                FailAll(batch, refusing.Refusal());
                return;
            }
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = Commit(batch);
            switch (result.Kind)
            {
                case BatchResultKind.Committed:
                    StorageTelemetry.BatchSize.Record(batch.Count, Backend);
                    StorageTelemetry.CommitDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, Backend);
                    if (_writes is { } recovered)
                    {
                        _writes = null;
                        _logger.LogInformation("Storage writes work again after {Seconds:F1} s; {Refused} writes were refused meanwhile",
                            recovered.Elapsed.TotalSeconds, recovered.RefusedCount);
                    }
                    foreach (var command in batch)
                    {
                        command.InBatchOf(batch.Count);
                        Committed(command);
                    }
                    return;
                case BatchResultKind.CommandFailed:
                    // Nothing was committed: the failing command fails alone, the others run again.
                    batch[result.FailedIndex].Fail(result.Error!);
                    batch.RemoveAt(result.FailedIndex);
                    if (batch.Count == 0)
                    {
                        return;
                    }
                    continue;
                default:
                    if (LiteDbFaults.Classify(result.Error!) is { } kind)
                    {
                        var outage = Failed(kind, result.Error!, batch.Count, result.Kind == BatchResultKind.Unknown);
                        FailAll(batch, outage.Refusal(outcomeUnknown: result.Kind == BatchResultKind.Unknown));
                    }
                    else
                    {
                        FailAll(batch, result.Error!); // not a storage fault, and certainly not stored: INTERNAL / 500
                    }
                    return;
            }
        }
    }

    /// <summary>The counter changes of the running batch (writer thread only): commands add to it, the commit writes it.</summary>
    public BatchCounters Counters { get; } = new();

    /// <summary>The running batch's <c>Idempotency-Key</c> records (writer thread only): stored with its commit.</summary>
    public LiteDbIdempotencyKeys IdempotencyKeys { get; } = new();

    /// <summary>A counter as the running batch sees it (what is stored and what the batch changed so far).</summary>
    public int Count(LiteDatabase db, string key) => Counters.Read(key, k => StoredCount(db, k));

    /// <summary>
    /// Committed counter values this writer read or wrote, for <see cref="_storedCountsOf"/> (the open database; the
    /// writer is the only one that changes counters, so they stay exact until the files are opened again). A LiteDB
    /// look-up by id goes through its query pipeline — about 18 µs, once per counter per batch — where this is a
    /// dictionary. Cleared when it grows past <see cref="MaxStoredCounts"/>.
    /// </summary>
    private readonly Dictionary<string, int> _storedCounts = new(StringComparer.Ordinal);

    /// <summary>The running batch's counter values as written, joining <see cref="_storedCounts"/> once it committed.</summary>
    private readonly Dictionary<string, int> _flushedCounts = new(StringComparer.Ordinal);
    private LiteDatabase? _storedCountsOf;
    private const int MaxStoredCounts = 100_000;

    private int StoredCount(LiteDatabase db, string key)
    {
        if (!ReferenceEquals(db, _storedCountsOf))
        {
            _storedCounts.Clear();
            _storedCountsOf = db;
        }
        if (!_storedCounts.TryGetValue(key, out var count))
        {
            count = db.GetCollection<CounterRecord>(LiteDbSchema.Counters).FindById(key)?.Count ?? 0;
            if (_storedCounts.Count >= MaxStoredCounts)
            {
                _storedCounts.Clear();
            }
            _storedCounts[key] = count;
        }
        return count;
    }

    /// <summary>Applies the batch's counter changes, in its transaction; a counter that reaches zero is removed.</summary>
    private void FlushCounters(LiteDatabase db)
    {
        var counters = db.GetCollection<CounterRecord>(LiteDbSchema.Counters);
        foreach (var (key, delta) in Counters.Changes)
        {
            var count = StoredCount(db, key) + delta;
            if (count == 0)
            {
                counters.Delete(key);
            }
            else
            {
                counters.Upsert(new CounterRecord { Id = key, Count = count });
            }
            _flushedCounts[key] = count;
        }
        Counters.Clear();
    }

    /// <summary>The batch committed: its counter values are the stored ones.</summary>
    private void CountersCommitted(LiteDatabase db)
    {
        if (ReferenceEquals(db, _storedCountsOf))
        {
            foreach (var (key, count) in _flushedCounts)
            {
                _storedCounts[key] = count;
            }
        }
        _flushedCounts.Clear();
    }

    /// <summary>One attempt at one batch: see the class remarks for what each outcome guarantees.</summary>
    private BatchResult Commit(IReadOnlyList<IWriteCommand> batch)
    {
        ReplaceFailedSession();
        if (_connection.Session is null && Open() is { } closed)
        {
            // Whatever kept the files from opening, for this write it is the storage failing.
            return BatchResult.NotCommitted(closed as IOException ?? new IOException($"The database files cannot be opened: {closed.Message}", closed));
        }
        var session = _connection.Session!;
        var db = session.Database;
        var sequence = _committed + 1;
        var running = -1;
        Counters.Clear();
        _flushedCounts.Clear();
        IdempotencyKeys.Clear();
        try
        {
            db.BeginTrans();
            for (running = 0; running < batch.Count; running++)
            {
                batch[running].Run(db);
            }
            running = -1;
            IdempotencyKeys.Flush(db);
            FlushCounters(db);
            LiteDbSchema.WriteCommitSequence(db, sequence);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // The commit was not reached: nothing of this batch is in the files.
            if (running >= 0 && LiteDbFaults.Classify(error) is null)
            {
                if (!TryRollback(db) || session.Failure is not null)
                {
                    Reopen(session);
                }
                return BatchResult.CommandFailed(running, error);
            }
            Reopen(session);
            return BatchResult.NotCommitted(error);
        }
        if (session.Failure is { } early)
        {
            // A log write failed before the commit (LiteDB spills large transactions early): nothing was committed.
            Reopen(session);
            return BatchResult.NotCommitted(early);
        }
        var logLength = session.Log.Length; // where this commit starts appending
        Exception? commitError = null;
        try
        {
            db.Commit();
            session.Log.WriteGathered();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            commitError = error;
        }
        if ((commitError ?? session.Failure) is { } failed)
        {
            return SettleFailedCommit(session, batch, sequence, logLength, failed);
        }
        _committed = sequence;
        CountersCommitted(db);
        IdempotencyKeys.Committed(db);
        return BatchResult.Committed;
    }

    /// <summary>
    /// A commit failed (it threw, or a log write under it did): its batch may or may not be in the log. Never rolled
    /// back in place (a failed LiteDB commit leaves state a rollback would write out): the session is fenced and
    /// closed, and the files decide.
    /// </summary>
    private BatchResult SettleFailedCommit(LiteDbSession session, IReadOnlyList<IWriteCommand> batch, long sequence, long logLength, Exception error)
    {
        _connection.Close(session);
        if (Open() is null)
        {
            if (_committed == sequence)
            {
                _logger.LogWarning(error, "LiteDB reported a failure after a batch of {Count} writes was committed; the batch is stored", batch.Count);
                return BatchResult.Committed;
            }
            return BatchResult.NotCommitted(error);
        }
        if (_connection.TryTruncateLog(logLength) is null)
        {
            return BatchResult.NotCommitted(error); // its tail is cut from the log: certainly not stored
        }
        _unresolved = (batch.ToArray(), sequence); // a copy: the writer reuses its batch list
        return BatchResult.Unknown(error);
    }

    /// <summary>Closes <paramref name="session"/> (fenced) and opens the files again.</summary>
    private void Reopen(LiteDbSession session)
    {
        _connection.Close(session);
        if (Open() is { } error)
        {
            _logger.LogWarning("Reopening the database files failed ({Error}); retrying with the next write", error.Message);
        }
    }

    /// <summary>Opens a session; reads its commit marker and settles a batch left unresolved. The error when it cannot.</summary>
    private Exception? Open()
    {
        if (_connection.TryOpen() is { } error)
        {
            return error;
        }
        _committed = _connection.Session!.CommittedSequence;
        if (_unresolved is var (batch, sequence))
        {
            _unresolved = null;
            if (_committed >= sequence)
            {
                // Its callers were told the outcome was unknown; watchers get what the files hold.
                _logger.LogWarning("A batch of {Count} writes whose commit failed turned out to be stored", batch.Count);
                foreach (var command in batch)
                {
                    AfterCommit(command);
                }
            }
        }
        return null;
    }

    private bool TryRollback(LiteDatabase db)
    {
        try
        {
            db.Rollback();
            return true;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            _logger.LogWarning("LiteDB rollback failed ({Error}); reopening the database files", error.Message);
            return false;
        }
    }

    /// <summary>Records a failed write attempt: the first is logged once with its cause; the next attempt is scheduled.</summary>
    private Outage Failed(StorageFaultKind kind, Exception error, int batchSize, bool outcomeUnknown)
    {
        var outage = _writes;
        if (outage is null)
        {
            outage = new Outage(kind, error.Message);
            outage.ScheduleNext();
            _logger.LogError(error,
                "Storage write failed ({Fault}: {Cause}) committing a batch of {Count} writes; {Outcome}. Writes are refused with 503 and retried from {RetryAfter} s on; reads go on",
                StorageFaults.Describe(kind), error.Message, batchSize,
                outcomeUnknown ? "the files could not be read back, so whether it was stored is unknown" : "none of them was stored",
                outage.RetryAfter.TotalSeconds);
            _writes = outage;
        }
        else
        {
            outage.ScheduleNext();
            _logger.LogDebug("Storage write still failing ({Cause}); next attempt in {RetryAfter} s", error.Message, outage.RetryAfter.TotalSeconds);
        }
        outage.Refused(batchSize);
        return outage;
    }

    /// <summary>
    /// Copies the log into the data file when it has grown past the threshold (and at shutdown). A failure loses
    /// nothing (the log keeps every committed write), is logged once, and is retried later.
    /// </summary>
    private void Checkpoint(bool final)
    {
        var session = _connection.Session;
        if (session is null || session.Failure is not null)
        {
            return;
        }
        if (!final && (_writes is not null || (_checkpoints is { } retrying ? !retrying.IsDue : session.Log.Length < _checkpointLogBytes)))
        {
            return; // a failed checkpoint is retried when due, whatever the log's size
        }
        try
        {
            session.Database.Checkpoint();
            if (session.Failure is { } truncate)
            {
                throw truncate; // the data file has the pages; cutting the log failed (it is replayed, harmlessly, at the next open)
            }
            if (_checkpoints is { } recovered)
            {
                _checkpoints = null;
                _logger.LogInformation("Log checkpoints work again after {Seconds:F1} s", recovered.Elapsed.TotalSeconds);
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            var kind = LiteDbFaults.Classify(error);
            if (final)
            {
                _logger.LogWarning("The checkpoint at shutdown failed ({Error}); every committed write stays in '{Log}', which the next start replays",
                    error.Message, _connection.LogPath);
                return;
            }
            if (_checkpoints is { } again)
            {
                again.ScheduleNext();
            }
            else
            {
                var failing = new Outage(kind ?? StorageFaultKind.IoError, error.Message);
                failing.ScheduleNext();
                _checkpoints = failing;
                _logger.LogWarning(error,
                    "Log checkpoint failed ({Cause}); committed writes are safe in the log ({Bytes} bytes), which grows until a checkpoint succeeds; retrying from {RetryAfter} s on",
                    error.Message, session.Log.Length, failing.RetryAfter.TotalSeconds);
            }
            if (kind is not null)
            {
                Reopen(session); // the engine's state after a failed checkpoint is not trusted; the files are
            }
        }
    }

    /// <summary>Called on a reader's thread: wake the writer to replace the session.</summary>
    private void ReplaceSession(LiteDbSession session)
    {
        if (Interlocked.CompareExchange(ref _failedSession, session, null) is null)
        {
            _queue.Writer.TryWrite(Wake.Instance);
        }
    }

    private void Committed(IWriteCommand command)
    {
        AfterCommit(command);
        command.Succeed();
    }

    private void AfterCommit(IWriteCommand command)
    {
        try
        {
            command.AfterCommit();
        }
        catch (Exception error)
        {
            _logger.LogError(error, "A post-commit hook failed; the write itself is committed");
        }
    }

    private static void FailAll(IEnumerable<IWriteCommand> batch, Exception error)
    {
        foreach (var command in batch)
        {
            command.Fail(error);
        }
    }

    private enum BatchResultKind
    {
        Committed,
        CommandFailed,
        NotCommitted,
        Unknown,
    }

    private readonly record struct BatchResult(BatchResultKind Kind, Exception? Error = null, int FailedIndex = -1)
    {
        public static BatchResult Committed => new(BatchResultKind.Committed);

        public static BatchResult CommandFailed(int index, Exception error) => new(BatchResultKind.CommandFailed, error, index);

        public static BatchResult NotCommitted(Exception error) => new(BatchResultKind.NotCommitted, error);

        public static BatchResult Unknown(Exception error) => new(BatchResultKind.Unknown, error);
    }

    /// <summary>A run of failures of one kind (writes, or checkpoints): when it began, when to try again.</summary>
    private sealed class Outage(StorageFaultKind kind, string cause)
    {
        private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(8);

        private readonly long _since = Environment.TickCount64;
        private long _nextAttempt;
        private int _attempts;
        private int _refused;

        public long NextAttempt => Volatile.Read(ref _nextAttempt);

        public bool IsDue => Environment.TickCount64 >= NextAttempt;

        public int RefusedCount => Volatile.Read(ref _refused);

        public TimeSpan Elapsed => TimeSpan.FromMilliseconds(Environment.TickCount64 - _since);

        /// <summary>Until the next attempt, in whole seconds (at least one): what Retry-After says.</summary>
        public TimeSpan RetryAfter => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((NextAttempt - Environment.TickCount64) / 1000.0)));

        /// <summary>The next attempt after 1 s, then 2, 4, 8 s (at most).</summary>
        public void ScheduleNext()
        {
            var wait = Math.Min(FirstRetry.TotalMilliseconds * Math.Pow(2, _attempts++), LongestRetry.TotalMilliseconds);
            Volatile.Write(ref _nextAttempt, Environment.TickCount64 + (long)wait);
        }

        public void Refused(int count) => Interlocked.Add(ref _refused, count);

        public StorageUnavailableException Refusal(bool outcomeUnknown = false) => new(kind, RetryAfter, outcomeUnknown);

        public string Describe() => $"{StorageFaults.Describe(kind)} ({cause}) for {Elapsed.TotalSeconds:F0} s";
    }

    private static readonly KeyValuePair<string, object?> Backend = new("backend", "litedb");

    private interface IWriteCommand
    {
        bool TryStart();
        void InBatchOf(int size);
        void Run(LiteDatabase db);
        void AfterCommit();
        void Succeed();
        void Fail(Exception error);
    }

    /// <summary>Wakes the writer for housekeeping; never part of a batch.</summary>
    private sealed class Wake : IWriteCommand
    {
        public static readonly Wake Instance = new();

        public bool TryStart() => true;

        public void InBatchOf(int size)
        {
        }

        public void Run(LiteDatabase db)
        {
        }

        public void AfterCommit()
        {
        }

        public void Succeed()
        {
        }

        public void Fail(Exception error)
        {
        }
    }

    private sealed class WriteCommand<T>(Func<LiteDatabase, T> work, Action<T>? afterCommit, string operation) : QueuedWrite<T>(operation), IWriteCommand
    {
        private T _result = default!;

        public void Run(LiteDatabase db) => _result = work(db);

        public void AfterCommit() => afterCommit?.Invoke(_result);

        public void Succeed() => Complete(_result);

        public void Fail(Exception error) => Complete(error);
    }
}
