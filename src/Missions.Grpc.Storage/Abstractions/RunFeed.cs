using System.Threading.Channels;

namespace Missions.Grpc.Storage;

/// <summary>Something committed about one run, in commit order.</summary>
public abstract record RunFeedItem;

/// <summary>An event was stored.</summary>
public sealed record EventCommitted(EventDocument Event) : RunFeedItem;

/// <summary>The run changed (status or fields).</summary>
public sealed record RunChanged(RunDocument Run) : RunFeedItem;

/// <summary>A plan step was created or changed.</summary>
public sealed record StepChanged(StepDocument Step) : RunFeedItem;

/// <summary>The run no longer exists (its mission was deleted).</summary>
public sealed record RunRemoved(string RunId) : RunFeedItem;

/// <summary>
/// Live changes of runs as they are committed. A store publishes in commit order; subscribers read from a
/// bounded buffer, so a slow reader costs at most its buffer: when it is full the subscription ends with
/// <see cref="RunSubscription.Overflowed"/> set, and the reader resumes from its last cursor.
/// </summary>
public interface IRunFeed
{
    /// <summary>
    /// Starts buffering the run's changes committed from now on; dispose the subscription to stop. Completes once the
    /// subscription is in place (a networked backend reads where the run's changes stand).
    /// </summary>
    ValueTask<RunSubscription> SubscribeAsync(string organization, Guid runId, int capacity, CancellationToken cancellationToken = default);
}

/// <summary>One reader's view of a run's live changes.</summary>
public sealed class RunSubscription : IDisposable
{
    private readonly Channel<RunFeedItem> _channel;
    private readonly Action<RunSubscription> _onDispose;
    private int _overflowed;

    internal RunSubscription(int capacity, Action<RunSubscription> onDispose)
    {
        _channel = Channel.CreateBounded<RunFeedItem>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the publisher never waits
        });
        _onDispose = onDispose;
    }

    /// <summary>The buffered changes; completes when the subscription overflows or is disposed.</summary>
    public ChannelReader<RunFeedItem> Items => _channel.Reader;

    /// <summary>The reader fell behind by more than the buffer: changes after the buffered ones were dropped.</summary>
    public bool Overflowed => Volatile.Read(ref _overflowed) == 1;

    internal void Offer(RunFeedItem item)
    {
        if (!_channel.Writer.TryWrite(item) && Interlocked.Exchange(ref _overflowed, 1) == 0)
        {
            _channel.Writer.TryComplete();
        }
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _onDispose(this);
    }
}
