using System.Diagnostics;

namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// A write waiting in a writer's queue (both backends' group commit), which its caller may give up on — a deadline, a
/// client gone — until the writer takes it: given up before it starts, it is never run and the caller's task is
/// cancelled; once started, it runs to its outcome and the caller is told that outcome (a committed write is never
/// reported as anything else, and never half done). Each write is a span (a child of its caller's) and is counted by
/// operation and outcome (<see cref="StorageMetrics"/>): both are closed by the caller when it resumes
/// (<see cref="OutcomeAsync"/>), never on the writer's thread, which every write waits on.
/// </summary>
internal abstract class QueuedWrite<T>
{
    private const int Queued = 0;
    private const int Started = 1;
    private const int Abandoned = 2;

    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StorageTelemetry.OperationNames _names;
    private readonly Activity? _activity;
    private readonly StorageMetrics _metrics;
    private CancellationTokenRegistration _registration;
    private int _state;
    private int _batch;

    protected QueuedWrite(string operation, StorageMetrics metrics)
    {
        _metrics = metrics;
        _names = StorageTelemetry.NamesOf(operation);
        var caller = Activity.Current;
        _activity = StorageTelemetry.Source.StartActivity(_names.WriteSpan);
        Activity.Current = caller; // the span ends on the writer's thread: it must not stay current in the caller's flow
        _metrics.Queued(+1);
    }

    /// <summary>The size of the batch the writer is committing this write in (a tag on its span).</summary>
    public void InBatchOf(int size) => _batch = size;

    /// <summary>
    /// What the caller awaits: the outcome, or cancelled when it gave up before the writer took the write. Ends the
    /// write's span and counts it, on the caller's side.
    /// </summary>
    public async Task<T> OutcomeAsync()
    {
        try
        {
            return await _completion.Task.ConfigureAwait(false);
        }
        finally
        {
            Finish();
        }
    }

    /// <summary>Lets <paramref name="cancellationToken"/> withdraw the write while it is still queued (call before queueing it).</summary>
    public void CancelWith(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.Register(static (state, token) => ((QueuedWrite<T>)state!).Abandon(token), this);
        }
    }

    /// <summary>The writer takes the write; false when its caller gave up first (then it must not run).</summary>
    public bool TryStart()
    {
        var started = Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;
        _registration.Unregister();
        if (started)
        {
            _metrics.Queued(-1);
        }
        return started;
    }

    protected void Complete(T result)
    {
        _registration.Unregister();
        _completion.TrySetResult(result);
    }

    protected void Complete(Exception error)
    {
        _registration.Unregister();
        if (Interlocked.CompareExchange(ref _state, Started, Queued) == Queued)
        {
            _metrics.Queued(-1); // refused before a writer took it (an outage)
        }
        _completion.TrySetException(error);
    }

    private void Finish()
    {
        var task = _completion.Task;
        var outcome = task.IsCompletedSuccessfully ? "committed"
            : task.IsCanceled ? "withdrawn"
            : "failed";
        _metrics.Writes.Add(1, new("operation", _names.Operation), new("outcome", outcome));
        if (_activity is { } activity)
        {
            if (_batch > 0)
            {
                activity.SetTag("missions.storage.batch_size", _batch);
            }
            activity.SetTag("missions.storage.outcome", outcome);
            if (task.IsFaulted)
            {
                activity.SetStatus(ActivityStatusCode.Error, task.Exception.InnerException?.GetType().Name);
            }
            activity.Dispose();
        }
    }

    private void Abandon(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued)
        {
            _metrics.Queued(-1);
            _completion.TrySetCanceled(token);
        }
    }
}
