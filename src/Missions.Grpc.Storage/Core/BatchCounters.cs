namespace Missions.Grpc.Storage;

/// <summary>
/// The counter changes (list totals) of the write batch a backend's writer is running, applied once per counter just
/// before the batch commits, in its transaction: a batch of 32 events on one run reads and writes each of the run's
/// counters once, not 32 times. Commands read through it (the stored value plus this batch's changes so far). Used by
/// one writer at a time; cleared at the start of every attempt, so a batch run again counts afresh.
/// </summary>
public sealed class BatchCounters
{
    private readonly SortedDictionary<string, int> _changes = new(StringComparer.Ordinal);

    public void Add(int delta, params IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            _changes[key] = _changes.GetValueOrDefault(key) + delta;
        }
    }

    /// <summary>The counter as this batch sees it, given what is stored.</summary>
    public int Read(string key, Func<string, int> stored) => stored(key) + _changes.GetValueOrDefault(key);

    /// <summary>The non-zero changes, in key order (a backend that locks counter rows takes them in one order).</summary>
    public IEnumerable<KeyValuePair<string, int>> Changes => _changes.Where(c => c.Value != 0);

    public void Clear() => _changes.Clear();
}
