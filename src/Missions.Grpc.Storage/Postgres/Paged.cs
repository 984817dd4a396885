using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// Items read from a statement that answers at least one row (its parent's, or a list's total) whatever it finds, and
/// an item in every row unless there is none (one row, the item's columns null): a page, or a parent's list.
/// </summary>
internal static class Paged
{
    /// <summary>The items from the current row on: <paramref name="column"/> null means none; each mapped from <paramref name="at"/>.</summary>
    public static async Task<List<T>> ItemsAsync<T>(NpgsqlDataReader r, int at, int column, Func<NpgsqlDataReader, int, T> map, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        do
        {
            if (!r.IsDBNull(column))
            {
                items.Add(map(r, at));
            }
        }
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false));
        return items;
    }

    public static async Task<Page<T>> ReadAsync<T>(NpgsqlDataReader r, int at, int column, Func<NpgsqlDataReader, int, T> map, CancellationToken cancellationToken)
    {
        await r.ReadAsync(cancellationToken).ConfigureAwait(false);
        return await ReadCurrentAsync(r, at, column, map, cancellationToken, totalColumn: 0).ConfigureAwait(false);
    }

    /// <summary>From the current row on: <paramref name="column"/> null means no item; the total in <paramref name="totalColumn"/> (null: 0).</summary>
    public static async Task<Page<T>> ReadCurrentAsync<T>(
        NpgsqlDataReader r, int at, int column, Func<NpgsqlDataReader, int, T> map, CancellationToken cancellationToken, int totalColumn = 1)
    {
        var total = r.IsDBNull(totalColumn) ? 0 : (int)r.GetInt64(totalColumn);
        return new Page<T>(await ItemsAsync(r, at, column, map, cancellationToken).ConfigureAwait(false), total);
    }
}
