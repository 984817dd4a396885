using System.Threading.Channels;

namespace Missions.Grpc.Storage;

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
