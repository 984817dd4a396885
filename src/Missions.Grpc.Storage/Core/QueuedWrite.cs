namespace Missions.Grpc.Storage;

/// <summary>
/// A write waiting in a writer's queue (both backends' group commit), which its caller may give up on — a deadline, a
/// client gone — until the writer takes it: given up before it starts, it is never run and the caller's task is
/// cancelled; once started, it runs to its outcome and the caller is told that outcome (a committed write is never
/// reported as anything else, and never half done).
/// </summary>
internal abstract class QueuedWrite<T>
{
    private const int Queued = 0;
    private const int Started = 1;
    private const int Abandoned = 2;

    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _registration;
    private int _state;

    /// <summary>What the caller awaits: the outcome, or cancelled when it gave up before the writer took the write.</summary>
    public Task<T> Completion => _completion.Task;

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
        _completion.TrySetException(error);
    }

    private void Abandon(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued)
        {
            _completion.TrySetCanceled(token);
        }
    }
}
