using System.Collections.Concurrent;

namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// The in-process feed of a single server (the embedded backend): subscribers by run, fed by the store on its
/// writer thread right after each commit. A networked backend would feed the same hub from its own
/// notification channel (e.g. PostgreSQL LISTEN/NOTIFY).
/// </summary>
internal sealed class RunFeedHub : IRunFeed
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

    /// <summary>Hands each of a committed batch's changes to its run's subscribers, in order.</summary>
    internal void Publish(IReadOnlyList<PublishedChange> changes)
    {
        foreach (var change in changes)
        {
            Publish(change.Organization, change.RunId, change.Item);
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
