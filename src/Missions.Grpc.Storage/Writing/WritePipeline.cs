using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// The one write pipeline, for every backend. Callers queue <see cref="WriteCommand{T}"/>s; one thread takes every command
/// waiting (up to the batch size) and runs them as one batch in one transaction (group commit): the backend loads what
/// all of them decide on at once (<see cref="BatchNeeds"/>), each command decides in turn on the batch's state
/// (<see cref="BatchState"/>), the backend writes every row the batch changed together with its counters, its
/// <c>Idempotency-Key</c> records, its runs' changes and its commit marker, and commits; then each caller is answered and
/// the runs' watchers are told. The backend (<see cref="ITransactionAdapter"/>) only moves rows.
/// <para>
/// What a caller is told is what the database holds (docs/storage.md):
/// <list type="bullet">
/// <item>Success only after the batch's commit returned.</item>
/// <item>A command refused by the rules (not found, a conflict) fails alone: what it stated is undone and the rest of its
/// batch commits. A statement the database refuses for the batch's data fails the attempt; the commands then run one
/// batch each, so only the one that caused it fails.</item>
/// <item>A batch that lost a race the database resolved (a deadlock, a key another replica stored first) is run again
/// from its load, a few times.</item>
/// <item>A storage fault (a full disk, an I/O error, an unreachable database) refuses the batch — nothing was written —
/// and begins an outage: writes are refused at once (503, with the time of the next attempt) until an attempt — a queued
/// batch, or an empty probe batch when none is queued — commits again. Logged once when it begins, once when it ends.</item>
/// <item>A commit that throws is never retried blind: the backend settles it from the batch's marker (stored or
/// certainly not); only if it cannot tell is the outcome reported unknown.</item>
/// </list>
/// </para>
/// One thread, and a backend's calls made only from it: LiteDB's transactions belong to the thread that began them,
/// and a batch is one connection's round trips after one another anyway.
/// </summary>
internal sealed class WritePipeline : IDisposable
{
    private const int MaxRaceRetries = 5;

    private readonly ITransactionAdapter _adapter;
    private readonly Action<IReadOnlyList<PublishedChange>>? _publish;
    private readonly int _maxBatch;
    private readonly IReadOnlyList<TimeSpan> _retryWaits;
    private readonly ILogger _logger;
    private readonly StorageMetrics _metrics;
    private readonly QuotaOptions _quotas;
    private readonly BatchState _state;
    private readonly KeyValuePair<string, object?> _backend;
    private readonly Channel<IQueuedCommand> _queue = Channel.CreateBounded<IQueuedCommand>(new BoundedChannelOptions(16 * 1024)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly Lock _outageGate = new();
    private readonly List<Task> _settling = [];
    private Thread? _thread;
    private Task<bool>? _waiting;

    /// <summary>Set while writes fail; read by callers to refuse at once.</summary>
    private volatile Outage? _outage;

    /// <param name="publish">Tells the runs' watchers what a committed batch changed (in commit order, before its callers are answered); null when the backend's transaction does (a notification sent with the commit).</param>
    /// <param name="retryWaits">The waits before each attempt during an outage (the last one repeats).</param>
    public WritePipeline(
        ITransactionAdapter adapter, StoreClock clock, UuidV7Generator ids, int maxBatch, IReadOnlyList<TimeSpan> retryWaits,
        Action<IReadOnlyList<PublishedChange>>? publish, QuotaOptions quotas, StorageMetrics metrics, ILogger logger)
    {
        _quotas = quotas;
        _metrics = metrics;
        _adapter = adapter;
        _publish = publish;
        _maxBatch = Math.Max(1, maxBatch);
        _retryWaits = retryWaits;
        _logger = logger;
        _state = new BatchState(clock, ids);
        _backend = new("backend", adapter.Name);
    }

    /// <summary>
    /// Commits an empty batch (just the marker) on the calling thread, before <see cref="Start"/>: whether the storage can
    /// be written at all. Returns what failed, or null.
    /// </summary>
    public Exception? CommitEmptyBatch()
    {
        var attempt = Attempt([]);
        return attempt.Result switch
        {
            AttemptResult.Committed => null,
            AttemptResult.Settling => attempt.Settle!.GetAwaiter().GetResult() == CommitOutcome.Committed ? null : attempt.Error,
            _ => attempt.Error,
        };
    }

    /// <summary>Starts the pipeline's thread.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"{_adapter.Name}-writer" };
        _thread.Start();
    }

    /// <summary>
    /// Queues <paramref name="command"/> (under the request's <c>Idempotency-Key</c>, <paramref name="idempotency"/>, if it has one) and returns its outcome
    /// once its batch committed — or throws its error. While writes fail, it fails at once with
    /// <see cref="StorageUnavailableException"/>; cancelled before the pipeline took it, it is never run.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(WriteCommand<T> command, IdempotencyScope? idempotency, CancellationToken cancellationToken)
    {
        if (_outage is { IsDue: false } outage)
        {
            outage.Refused(1);
            throw outage.Refusal();
        }
        var queued = new Queued<T>(command, idempotency, _quotas, _metrics);
        queued.CancelWith(cancellationToken); // withdrawn if cancelled (a deadline) before the pipeline takes it
        var outcome = queued.OutcomeAsync(); // observed from here: a caller cancelled while the queue is full is withdrawn too
        await _queue.Writer.WriteAsync(queued, cancellationToken).ConfigureAwait(false);
        return await outcome.ConfigureAwait(false);
    }

    /// <summary>A read found the storage failing (a database that cannot be reached): writes are refused from now on until a probe commits.</summary>
    public void ReportFault(StorageFaultKind kind, Exception error)
    {
        lock (_outageGate)
        {
            if (_outage is not null)
            {
                return;
            }
            var outage = new Outage(kind, error.Message, _retryWaits);
            outage.ScheduleNext();
            _outage = outage;
            WritePipelineLog.ReadFailed(_logger, StorageFaults.Describe(kind), error.Message, outage.RetryAfter.TotalSeconds, ReadsDuringOutage);
        }
        Wake();
    }

    /// <summary>Has the pipeline's thread run the backend's housekeeping now (a read found the files failed).</summary>
    public void Wake() => _queue.Writer.TryWrite(WakeUp.Instance);

    /// <summary>How writing is doing, from what the pipeline and the backend last saw (no I/O).</summary>
    public StorageHealthReport Health()
    {
        var own = _adapter.Health();
        var outage = _outage;
        if (own is { Status: StorageHealthStatus.Unavailable })
        {
            return outage is null ? own : own with { Description = $"{own.Description}: {outage.Describe()}" };
        }
        if (outage is not null)
        {
            return new(_adapter.DuringOutage, $"writes are failing: {outage.Describe()}; {ReadsDuringOutage}");
        }
        return own ?? new(StorageHealthStatus.Healthy, "storage reads and writes work");
    }

    /// <summary>Takes every queued write, then the backend's last work (a checkpoint), then stops the thread.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread?.Join();
        Task[] settling;
        lock (_settling)
        {
            settling = [.. _settling];
        }
        Task.WaitAll(settling);
    }

    private string ReadsDuringOutage => _adapter.DuringOutage == StorageHealthStatus.Degraded ? "reads go on" : "reads fail too";

    private void Run()
    {
        var batch = new List<IQueuedCommand>(_maxBatch);
        var reader = _queue.Reader;
        while (WaitForCommands(reader))
        {
            while (batch.Count < _maxBatch && reader.TryRead(out var command))
            {
                if (command is not WakeUp && command.TryStart()) // a write its caller gave up on while queued is not run
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
                WritePipelineLog.PipelineFailed(_logger, error);
                FailAll(batch, error);
            }
            batch.Clear();
        }
        _adapter.Stop();
    }

    /// <summary>Waits for queued commands, doing what falls due meanwhile; false once the queue is completed and empty.</summary>
    private bool WaitForCommands(ChannelReader<IQueuedCommand> reader)
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
        var due = _outage is { } outage ? TimeSpan.FromMilliseconds(Math.Max(0, outage.NextAttempt - Environment.TickCount64)) : Timeout.InfiniteTimeSpan;
        return _adapter.HousekeepingDue is { } own && (due == Timeout.InfiniteTimeSpan || own < due) ? own : due;
    }

    /// <summary>Between batches: the backend's housekeeping, and an empty probe batch when writes are failing and nothing is queued.</summary>
    private void Housekeeping(bool idle)
    {
        if (idle && _outage is { IsDue: true })
        {
            Execute([]); // the probe: an empty batch still commits its marker
        }
        _adapter.Housekeeping(writesFailing: _outage is not null);
    }

    private void Execute(List<IQueuedCommand> batch)
    {
        for (var races = 0; ;)
        {
            if (_outage is { IsDue: false } refusing)
            {
                refusing.Refused(batch.Count);
                FailAll(batch, refusing.Refusal());
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var attempt = Attempt(batch);
            switch (attempt.Result)
            {
                case AttemptResult.Committed:
                    _metrics.BatchSize.Record(batch.Count, _backend);
                    _metrics.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _backend);
                    Committed(batch, _state.Published);
                    if (_state.DeliveriesQueued)
                    {
                        DeliveriesQueued?.Invoke();
                    }
                    return;
                case AttemptResult.Settling:
                    Settle(batch, attempt);
                    return;
            }
            var failure = _adapter.Classify(attempt.Error!);
            switch (failure.Kind)
            {
                case FailureKind.Race when ++races < MaxRaceRetries:
                    WritePipelineLog.BatchRaced(_logger, batch.Count, attempt.Error!.Message);
                    Thread.Sleep(Random.Shared.Next(1, 20));
                    continue;
                case FailureKind.Refused when batch.Count > 1:
                    // Which command's data the database refused is not known: each runs alone, and only that one fails.
                    WritePipelineLog.BatchRefused(_logger, batch.Count, attempt.Error!.Message);
                    foreach (var command in batch)
                    {
                        Execute([command]);
                    }
                    return;
                case FailureKind.Refused when batch.Count == 1:
                    batch[0].Fail(attempt.Error!); // not a storage fault, and certainly not stored: INTERNAL / 500
                    return;
                default:
                    var outage = Failed(failure.Fault, attempt.Error!, batch.Count, outcomeUnknown: false);
                    FailAll(batch, outage.Refusal());
                    return;
            }
        }
    }

    /// <summary>One attempt at the batch, from its load to its commit.</summary>
    private Attempted Attempt(List<IQueuedCommand> batch)
    {
        _state.Clear();
        var needs = new BatchNeeds();
        foreach (var command in batch)
        {
            command.Declare(needs);
        }
        IBatchTransaction? transaction = null;
        try
        {
            transaction = _adapter.Begin();
            transaction.Load(needs, _state);
            foreach (var command in batch)
            {
                var mark = _state.Undo.Mark;
                if (!command.Run(_state))
                {
                    _state.Undo.RollBackTo(mark); // refused: it fails alone, the rest of the batch never sees what it did
                }
            }
            transaction.Write(_state);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            transaction?.Dispose(); // not committed: rolled back
            return new(AttemptResult.Failed, error);
        }
        try
        {
            transaction.Commit();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            var published = _state.Published.ToList(); // the state is the next batch's once this returns
            var settle = transaction.SettleAsync(error);
            transaction.Dispose();
            return new(AttemptResult.Settling, error, settle, published);
        }
        transaction.Dispose();
        return new(AttemptResult.Committed);
    }

    /// <summary>
    /// A commit threw: its outcome is settled by the backend from the batch's marker. Settled at once (an embedded file
    /// read back), or beside the pipeline (a database asked again over a new connection), so that later batches are not
    /// held up by the question for seconds.
    /// </summary>
    private void Settle(List<IQueuedCommand> batch, Attempted attempt)
    {
        var commands = batch.ToList(); // the pipeline reuses its batch list
        if (attempt.Settle!.IsCompleted)
        {
            Settled(commands, attempt.Published!, attempt.Settle, attempt.Error!);
            return;
        }
        var settling = attempt.Settle.ContinueWith(done => Settled(commands, attempt.Published!, done, attempt.Error!), TaskScheduler.Default);
        lock (_settling)
        {
            _settling.Add(settling);
        }
        _ = settling.ContinueWith(done =>
        {
            lock (_settling)
            {
                _settling.Remove(done);
            }
        }, TaskScheduler.Default);
    }

    private void Settled(List<IQueuedCommand> batch, IReadOnlyList<PublishedChange> published, Task<CommitOutcome> settle, Exception error)
    {
        var outcome = settle.IsCompletedSuccessfully ? settle.Result : CommitOutcome.Unknown;
        if (settle.Exception is { } failed)
        {
            WritePipelineLog.CommitNotSettled(_logger, failed.InnerException);
        }
        switch (outcome)
        {
            case CommitOutcome.Committed:
                WritePipelineLog.CommitFailedButStored(_logger, error, batch.Count);
                Committed(batch, published);
                return;
            case var _ when _adapter.Classify(error) is { Kind: FailureKind.Fault or FailureKind.Race } failure:
                var unknown = outcome == CommitOutcome.Unknown;
                var outage = Failed(failure.Fault, error, batch.Count, unknown);
                FailAll(batch, outage.Refusal(outcomeUnknown: unknown));
                return;
            default:
                FailAll(batch, error); // not a storage fault, and certainly not stored: INTERNAL / 500
                return;
        }
    }

    /// <summary>
    /// A committed batch queued webhook deliveries (or made one due again): this process's delivery workers need not wait
    /// for their next poll. (A batch whose commit had to be settled is not told: the poll finds its deliveries.)
    /// </summary>
    public event Action? DeliveriesQueued;

    /// <summary>The batch is stored: its runs' watchers are told, in commit order, then its callers.</summary>
    private void Committed(List<IQueuedCommand> batch, IReadOnlyList<PublishedChange> published)
    {
        Recovered();
        if (_publish is not null && published.Count > 0)
        {
            try
            {
                _publish(published);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                WritePipelineLog.PublishFailed(_logger, error);
            }
        }
        foreach (var command in batch)
        {
            command.InBatchOf(batch.Count);
            command.Succeed();
        }
    }

    /// <summary>Records a failed attempt: the first of an outage is logged once with its cause; the next attempt is scheduled.</summary>
    private Outage Failed(StorageFaultKind kind, Exception error, int batchSize, bool outcomeUnknown)
    {
        lock (_outageGate)
        {
            var outage = _outage;
            if (outage is null)
            {
                outage = new Outage(kind, error.Message, _retryWaits);
                outage.ScheduleNext();
                WritePipelineLog.WriteFailed(_logger, error, StorageFaults.Describe(kind), error.Message, batchSize,
                    outcomeUnknown ? "whether it was stored could not be established" : "none of them was stored",
                    outage.RetryAfter.TotalSeconds, ReadsDuringOutage);
                _outage = outage;
            }
            else
            {
                outage.ScheduleNext();
                WritePipelineLog.StillFailing(_logger, error.Message, outage.RetryAfter.TotalSeconds);
            }
            outage.Refused(batchSize);
            return outage;
        }
    }

    private void Recovered()
    {
        if (_outage is null)
        {
            return;
        }
        lock (_outageGate)
        {
            if (_outage is { } recovered)
            {
                _outage = null;
                WritePipelineLog.Recovered(_logger, recovered.Elapsed.TotalSeconds, recovered.RefusedCount);
            }
        }
    }

    private static void FailAll(IEnumerable<IQueuedCommand> batch, Exception error)
    {
        foreach (var command in batch)
        {
            command.Fail(error);
        }
    }

    private enum AttemptResult
    {
        Committed,
        Settling,
        Failed,
    }

    private sealed record Attempted(AttemptResult Result, Exception? Error = null, Task<CommitOutcome>? Settle = null, IReadOnlyList<PublishedChange>? Published = null);

    /// <summary>A queued write as the pipeline runs it, whatever its result type.</summary>
    private interface IQueuedCommand
    {
        bool TryStart();

        void InBatchOf(int size);

        void Declare(BatchNeeds needs);

        /// <summary>Decides on the batch's state; false when refused (the pipeline undoes what it stated).</summary>
        bool Run(BatchState state);

        /// <summary>Answers the caller with the outcome of its last run (its batch committed).</summary>
        void Succeed();

        void Fail(Exception error);
    }

    /// <summary>Wakes the pipeline for housekeeping; never part of a batch.</summary>
    private sealed class WakeUp : IQueuedCommand
    {
        public static readonly WakeUp Instance = new();

        public bool TryStart() => false;

        public void InBatchOf(int size)
        {
        }

        public void Declare(BatchNeeds needs)
        {
        }

        public bool Run(BatchState state) => true;

        public void Succeed()
        {
        }

        public void Fail(Exception error)
        {
        }
    }

    /// <summary>
    /// A command and the request's <c>Idempotency-Key</c>, if any. Under a key, the key's record decides first, in the same
    /// transaction (<see cref="IdempotencyRules"/>): none (or expired) — run the command and store its result under the
    /// key; the same request — return that result, running nothing; another request — refuse.
    /// </summary>
    private sealed class Queued<T>(WriteCommand<T> command, IdempotencyScope? scope, QuotaOptions quotas, StorageMetrics metrics) : QueuedWrite<T>(command.Operation, metrics), IQueuedCommand
    {
        private Outcome<T> _outcome;
        private IReadOnlyList<Quota> _quotas = [];

        public void Declare(BatchNeeds needs)
        {
            command.Declare(needs);
            if (scope is not null)
            {
                needs.IdempotencyKeys.Add((scope.Organization, scope.Key));
            }
            _quotas = QuotasOf();
            foreach (var quota in _quotas)
            {
                needs.Counters.Add(quota.Counter);
            }
            if (command.Organization is { } organization)
            {
                needs.Organizations.Add(organization);
            }
        }

        /// <summary>
        /// Decides on the batch's state, then on the quotas: a command that raised a quota's counter past its limit is
        /// refused (and undone, like any refusal), so nothing past a quota is ever stored; one that lowers or keeps a
        /// counter already past its limit (a smaller quota configured since) is not.
        /// </summary>
        public bool Run(BatchState state)
        {
            try
            {
                var before = _quotas.Select(q => state.Counter(q.Counter)).ToArray();
                _outcome = scope is null ? command.Execute(state) : Idempotent(state, scope);
                for (var i = 0; i < _quotas.Count && !_outcome.Failed; i++)
                {
                    var after = state.Counter(_quotas[i].Counter);
                    if (after > before[i] && after > _quotas[i].CounterLimit)
                    {
                        _outcome = Outcome<T>.Fail(_quotas[i].Exceeded());
                    }
                }
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                _outcome = Outcome<T>.Fail(error); // a defect in one command fails that command alone
            }
            return !_outcome.Failed;
        }

        /// <summary>The command's own quotas, its organization's stored bytes and pending webhook deliveries, and under a key the organization's keys.</summary>
        private List<Quota> QuotasOf()
        {
            var all = command.Quotas(quotas).ToList();
            if (command.Organization is { } organization)
            {
                all.Add(Quota.StoredBytes(quotas, organization));
                all.Add(Quota.PendingDeliveries(quotas, organization)); // a change of a run may queue deliveries
            }
            if (scope is not null)
            {
                all.Add(Quota.IdempotencyKeys(quotas, scope.Organization));
            }
            return all;
        }

        public void Succeed()
        {
            if (_outcome.Error is { } error)
            {
                Complete(error);
            }
            else
            {
                Complete(_outcome.Value!);
            }
        }

        public void Fail(Exception error) => Complete(error);

        private Outcome<T> Idempotent(BatchState state, IdempotencyScope scope)
        {
            scope.Replayed = false;
            var stored = state.Key(scope.Organization, scope.Key);
            var now = state.Clock.Now();
            switch (IdempotencyRules.Decide(stored?.Fingerprint, stored?.ExpiresAt, scope, now))
            {
                case IdempotencyRules.Verdict.Replay:
                    return IdempotencyRules.Replay<T>(scope, stored!.Result);
                case IdempotencyRules.Verdict.Reused:
                    return IdempotencyRules.Reused<T>(scope);
            }
            var outcome = command.Execute(state);
            if (!outcome.Failed)
            {
                state.StoreKey(new KeyRecord(scope.Organization, scope.Key, scope.Fingerprint, IdempotencyRules.SerializeToUtf8Bytes(outcome.Value),
                    IdempotencyRules.ExpiresAt(scope, now)));
            }
            return outcome;
        }
    }
}
