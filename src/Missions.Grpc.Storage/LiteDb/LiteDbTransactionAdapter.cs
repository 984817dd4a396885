using LiteDB;
using Microsoft.Extensions.Logging;
using Missions.Grpc.Storage.Writing;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The write pipeline's LiteDB side: one transaction per batch on the open session, which it replaces after a storage
/// fault (LiteDB cannot recover from a failed write in place), and the checkpoints between batches. What a caller is
/// told is what the files hold (docs/storage.md):
/// <list type="bullet">
/// <item>A storage fault before the commit: nothing of the batch is in the files; the session is closed and the files
/// opened again.</item>
/// <item>A commit that throws is never rolled back in place (a failed LiteDB commit leaves state a rollback would write
/// out): the session is fenced and closed, the files are opened again, and the commit marker read back says whether the
/// batch is in them. If the files cannot be opened, the failed commit's tail is cut from the log, so it is certainly
/// not. Only if even that fails is the outcome unknown — and settled at the next open (watchers are then told).</item>
/// <item>Checkpoints (log into data file) run between batches, never inside a commit (LiteDB's automatic checkpoint is
/// off), and their failure is logged and retried, never charged to a request.</item>
/// </list>
/// The pipeline's thread only (LiteDB's transactions belong to the thread that began them).
/// </summary>
internal sealed class LiteDbTransactionAdapter : ITransactionAdapter
{
    /// <summary>Most committed counter values kept in memory (<see cref="StoredCount"/>); cleared when it grows past it.</summary>
    private const int MaxStoredCounts = 100_000;

    private readonly LiteDbConnection _connection;
    private readonly long _checkpointLogBytes;
    private readonly RunFeedHub _feed;
    private readonly ILogger _logger;

    /// <summary>Committed counter values this adapter read or wrote, for <see cref="_storedCountsOf"/>: it is their only writer.</summary>
    private readonly Dictionary<string, int> _storedCounts = new(StringComparer.Ordinal);
    private LiteDatabase? _storedCountsOf;

    /// <summary>The commit marker of the last batch in the files.</summary>
    private long _committed;

    /// <summary>Set while checkpoints fail.</summary>
    private volatile Outage? _checkpoints;

    /// <summary>A session a read found failed, for the pipeline's thread to replace.</summary>
    private LiteDbSession? _failedSession;

    /// <summary>A batch whose commit failed while its outcome could not be established; settled at the next open.</summary>
    private (long Sequence, IReadOnlyList<PublishedChange> Published, int Count)? _unresolved;

    public LiteDbTransactionAdapter(LiteDbConnection connection, long checkpointLogBytes, RunFeedHub feed, ILogger logger)
    {
        _connection = connection;
        _checkpointLogBytes = checkpointLogBytes;
        _feed = feed;
        _logger = logger;
        _committed = connection.Session!.CommittedSequence;
    }

    public string Name => "litedb";

    public StorageHealthStatus DuringOutage => StorageHealthStatus.Degraded;

    /// <summary>The running batch's <c>Idempotency-Key</c> records: stored with its commit.</summary>
    internal LiteDbIdempotencyKeys IdempotencyKeys { get; } = new();

    public IBatchTransaction Begin()
    {
        ReplaceFailedSession();
        if (_connection.Session is null && Open() is { } closed)
        {
            // Whatever kept the files from opening, for this write it is the storage failing.
            throw closed as IOException ?? new IOException($"The database files cannot be opened: {closed.Message}", closed);
        }
        IdempotencyKeys.Clear();
        return new LiteDbBatchTransaction(this, _connection.Session!, _committed + 1);
    }

    public BatchFailure Classify(Exception error) =>
        LiteDbFaults.Classify(error) is { } kind ? BatchFailure.Of(kind) : BatchFailure.Refused;

    public void Housekeeping(bool writesFailing)
    {
        ReplaceFailedSession();
        Checkpoint(final: false, writesFailing);
    }

    public TimeSpan? HousekeepingDue =>
        Volatile.Read(ref _failedSession) is not null ? TimeSpan.Zero
        : _checkpoints is { } failing ? TimeSpan.FromMilliseconds(Math.Max(0, failing.NextAttempt - Environment.TickCount64))
        : null;

    public StorageHealthReport? Health()
    {
        if (_connection.Reopening)
        {
            // A swap in progress (milliseconds): reads wait for it, so the service is degraded, not down.
            return new(StorageHealthStatus.Degraded, "storage files are being reopened after a fault; reads wait for them");
        }
        if (_connection.Session is null)
        {
            return new(StorageHealthStatus.Unavailable, "storage files are closed after a fault and cannot be opened yet; the writer tries again");
        }
        return _checkpoints is { } checkpoints
            ? new(StorageHealthStatus.Degraded, $"log checkpoints are failing: {checkpoints.Describe()}; committed writes are safe in the log")
            : null;
    }

    public void Stop() => Checkpoint(final: true, writesFailing: false);

    /// <summary>Called on a reader's thread: the pipeline replaces the session at its next housekeeping (the backend wakes it).</summary>
    public void SessionFailed(LiteDbSession session) => Interlocked.CompareExchange(ref _failedSession, session, null);

    public void Dispose()
    {
    }

    /// <summary>A counter as committed (the pipeline's thread only).</summary>
    internal int StoredCount(LiteDatabase db, string key)
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

    /// <summary>A batch committed: <paramref name="written"/> are the counters' committed values now.</summary>
    internal void Committed(LiteDatabase db, long sequence, IEnumerable<KeyValuePair<string, int>> written)
    {
        _committed = sequence;
        if (ReferenceEquals(db, _storedCountsOf))
        {
            foreach (var (key, count) in written)
            {
                _storedCounts[key] = count;
            }
        }
        IdempotencyKeys.Committed(db);
    }

    /// <summary>
    /// A commit failed (it threw, or a log write under it did): its batch may or may not be in the log. Never rolled
    /// back in place: the session is fenced and closed, and the files decide.
    /// </summary>
    internal CommitOutcome SettleFailedCommit(LiteDbSession session, long sequence, long logLength, IReadOnlyList<PublishedChange> published, Exception error)
    {
        _connection.Close(session);
        if (Open() is null)
        {
            return _committed == sequence ? CommitOutcome.Committed : CommitOutcome.NotCommitted;
        }
        if (_connection.TryTruncateLog(logLength) is null)
        {
            return CommitOutcome.NotCommitted; // its tail is cut from the log: certainly not stored
        }
        LiteDbLog.CommitUnsettled(_logger, error);
        _unresolved = (sequence, published.ToList(), published.Count);
        return CommitOutcome.Unknown;
    }

    /// <summary>Closes <paramref name="session"/> (fenced) and opens the files again.</summary>
    internal void Reopen(LiteDbSession session)
    {
        _connection.Close(session);
        if (Open() is { } error)
        {
            LiteDbLog.ReopenFailed(_logger, error.Message);
        }
    }

    internal bool TryRollback(LiteDatabase db)
    {
        try
        {
            db.Rollback();
            return true;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            LiteDbLog.RollbackFailed(_logger, error.Message);
            return false;
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
        if (_unresolved is var (sequence, published, _))
        {
            _unresolved = null;
            if (_committed >= sequence)
            {
                // Its callers were told the outcome was unknown; watchers get what the files hold.
                LiteDbLog.UnsettledBatchStored(_logger);
                _feed.Publish(published);
            }
        }
        return null;
    }

    /// <summary>A read found the open session failed (LiteDB closes its engine after an I/O error): open the files again.</summary>
    private void ReplaceFailedSession()
    {
        if (Interlocked.Exchange(ref _failedSession, null) is { } failed && ReferenceEquals(failed, _connection.Session))
        {
            LiteDbLog.ReadFailed(_logger);
            Reopen(failed);
        }
    }

    /// <summary>
    /// Copies the log into the data file when it has grown past the threshold (and at shutdown). A failure loses
    /// nothing (the log keeps every committed write), is logged once, and is retried later.
    /// </summary>
    private void Checkpoint(bool final, bool writesFailing)
    {
        var session = _connection.Session;
        if (session is null || session.Failure is not null)
        {
            return;
        }
        if (!final && (writesFailing || (_checkpoints is { } retrying ? !retrying.IsDue : session.Log.Length < _checkpointLogBytes)))
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
                LiteDbLog.CheckpointsRecovered(_logger, recovered.Elapsed.TotalSeconds);
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            var kind = LiteDbFaults.Classify(error);
            if (final)
            {
                LiteDbLog.ShutdownCheckpointFailed(_logger, error.Message, _connection.LogPath);
                return;
            }
            if (_checkpoints is { } again)
            {
                again.ScheduleNext();
            }
            else
            {
                var failing = new Outage(kind ?? StorageFaultKind.IoError, error.Message, [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)]);
                failing.ScheduleNext();
                _checkpoints = failing;
                LiteDbLog.CheckpointFailed(_logger, error, error.Message, session.Log.Length, failing.RetryAfter.TotalSeconds);
            }
            if (kind is not null)
            {
                Reopen(session); // the engine's state after a failed checkpoint is not trusted; the files are
            }
        }
    }
}
