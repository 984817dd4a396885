using System.Collections.Concurrent;
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

/// <summary>
/// The in-process feed of a single server (the embedded backend): subscribers by run, fed by the store on its
/// writer thread right after each commit. A networked backend would feed the same hub from its own
/// notification channel (e.g. PostgreSQL LISTEN/NOTIFY).
/// </summary>
public sealed class RunFeedHub : IRunFeed
{
    private readonly ConcurrentDictionary<string, RunSubscription[]> _byRun = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ValueTask<RunSubscription> SubscribeAsync(string organization, Guid runId, int capacity, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Subscribe(organization, runId, capacity));

    public RunSubscription Subscribe(string organization, Guid runId, int capacity)
    {
        var key = Key(organization, runId.ToString());
        var subscription = new RunSubscription(capacity, s => Remove(key, s));
        lock (_gate)
        {
            _byRun[key] = [.. _byRun.GetValueOrDefault(key) ?? [], subscription];
        }
        return subscription;
    }

    /// <summary>Hands <paramref name="item"/> to every subscriber of the run; never blocks.</summary>
    public void Publish(string organization, string runId, RunFeedItem item)
    {
        if (_byRun.TryGetValue(Key(organization, runId), out var subscribers))
        {
            foreach (var subscriber in subscribers)
            {
                subscriber.Offer(item);
            }
        }
    }

    /// <summary>Runs with at least one subscriber (an entry goes when its last subscriber does).</summary>
    public int WatchedRuns => _byRun.Count;

    private void Remove(string key, RunSubscription subscription)
    {
        lock (_gate)
        {
            if (!_byRun.TryGetValue(key, out var current))
            {
                return;
            }
            var rest = current.Where(s => !ReferenceEquals(s, subscription)).ToArray();
            if (rest.Length == 0)
            {
                _byRun.TryRemove(key, out _);
            }
            else
            {
                _byRun[key] = rest;
            }
        }
    }

    private static string Key(string organization, string runId) => organization + "\u0001" + runId;
}
