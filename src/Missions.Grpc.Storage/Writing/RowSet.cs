namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// One kind of row as a batch sees it: what the backend loaded for the batch (the rows as committed before it, absent
/// ones included) and what the batch's commands made of them since, so that each command decides on what the commands
/// before it in the batch did. At the end, <see cref="Changes"/> is what the batch writes: per key, the row as loaded
/// and as left (inserted: nothing before; deleted: nothing after).
/// </summary>
internal sealed class RowSet<TKey, TRow>(string name, UndoLog undo)
    where TKey : notnull
    where TRow : class
{
    private readonly Dictionary<TKey, TRow?> _loaded = [];
    private readonly Dictionary<TKey, TRow?> _current = [];

    /// <summary>The backend's answer for <paramref name="key"/> (null: no such row).</summary>
    public void Loaded(TKey key, TRow? row) => _loaded[key] = row;

    public bool IsLoaded(TKey key) => _loaded.ContainsKey(key);

    /// <summary>The row as the batch sees it now; only for keys that were loaded or written by the batch (a new id).</summary>
    public TRow? Find(TKey key) =>
        _current.TryGetValue(key, out var current) ? current
        : _loaded.TryGetValue(key, out var loaded) ? loaded
        : throw new InvalidOperationException($"A command read {name} {key} without declaring it in its needs.");

    /// <summary>The row as the batch sees it now, when the batch knows the key at all (loaded, or written).</summary>
    public bool TryFind(TKey key, out TRow? row) =>
        _current.TryGetValue(key, out row) || _loaded.TryGetValue(key, out row);

    /// <summary>Sets the row (null deletes it); a key never loaded is one the batch creates (a new id: nothing before).</summary>
    public void Put(TKey key, TRow? row)
    {
        var had = _current.TryGetValue(key, out var previous);
        undo.Record(() =>
        {
            if (had)
            {
                _current[key] = previous;
            }
            else
            {
                _current.Remove(key);
            }
        });
        _current[key] = row;
    }

    /// <summary>Every row the batch sees now (loaded or written, minus deleted).</summary>
    public IEnumerable<TRow> Rows =>
        _loaded.Where(l => !_current.ContainsKey(l.Key)).Select(l => l.Value).Concat(_current.Values).OfType<TRow>();

    /// <summary>What the batch changed: per key, the row as loaded (null: inserted) and as left (null: deleted).</summary>
    public IEnumerable<(TKey Key, TRow? Before, TRow? After)> Changes =>
        _current
            .Select(c => (c.Key, Before: _loaded.GetValueOrDefault(c.Key), After: c.Value))
            .Where(c => !Equals(c.Before, c.After));

    public void Clear()
    {
        _loaded.Clear();
        _current.Clear();
    }
}
