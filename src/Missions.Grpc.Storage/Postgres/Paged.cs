using System.Runtime.CompilerServices;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using Missions.Grpc.Storage.Writing;
using Npgsql;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>A page read from a statement whose every row holds the total and, unless the page is empty (one row, all null), an item.</summary>
internal static class Paged
{
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
        var items = new List<T>();
        do
        {
            if (!r.IsDBNull(column))
            {
                items.Add(map(r, at));
            }
        }
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false));
        return new Page<T>(items, total);
    }
}
