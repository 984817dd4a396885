using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The counter changes of the batch the writer is running, written once per counter just before the batch commits, in
/// its transaction: a batch of 32 events on one run reads and writes each of the run's counters once, not 32 times.
/// Commands read through it (the stored value plus this batch's changes so far). Used by the writer thread only; cleared
/// at the start of every attempt, so a batch run again after a failing command counts afresh.
/// </summary>
internal sealed class BatchCounters
{
    private readonly Dictionary<string, int> _changes = new(StringComparer.Ordinal);

    public void Add(string key, int delta)
    {
        if (delta != 0)
        {
            _changes[key] = _changes.GetValueOrDefault(key) + delta;
        }
    }

    /// <summary>The counter as this batch sees it.</summary>
    public int Read(LiteDatabase db, string key) =>
        (db.GetCollection<CounterRecord>(LiteDbSchema.Counters).FindById(key)?.Count ?? 0) + _changes.GetValueOrDefault(key);

    public void Clear() => _changes.Clear();

    /// <summary>Applies the batch's changes, inside its transaction; a counter that reaches zero is removed (it holds nothing worth a page).</summary>
    public void Flush(LiteDatabase db)
    {
        var counters = db.GetCollection<CounterRecord>(LiteDbSchema.Counters);
        foreach (var (key, delta) in _changes)
        {
            if (delta == 0)
            {
                continue;
            }
            var counter = counters.FindById(key) ?? new CounterRecord { Id = key };
            counter.Count += delta;
            if (counter.Count == 0)
            {
                counters.Delete(key);
            }
            else
            {
                counters.Upsert(counter);
            }
        }
        _changes.Clear();
    }
}
