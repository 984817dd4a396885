using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Tests.Infrastructure;
using Npgsql;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>
/// Counters in shards (migration 0003): each write batch adds to one of a counter's rows, so that replicas writing for one
/// organization do not queue on one hot row; a total is the sum of the rows, exact whatever shards the batches took.
/// </summary>
public sealed class CounterShardTests
{
    private const string Org = "org";

    [Fact]
    public async Task A_total_is_the_sum_of_the_shards_the_batches_wrote_and_stays_exact_through_deletes()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        var ids = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            // Awaited one by one: forty batches, each choosing a shard.
            ids.Add(Guid.Parse((await backend.Missions.CreateMissionAsync(new NewMission(Org, $"m{i}", null, null, null, "external", null))).Id));
        }
        var key = CounterKeys.Missions(Org);
        Assert.True(await ScalarAsync(db, "SELECT count(*) FROM counters WHERE key = $1", key) > 1, "forty batches kept the counter in one row");
        Assert.Equal(40, await ScalarAsync(db, "SELECT sum(count)::bigint FROM counters WHERE key = $1", key));
        Assert.Equal(40, (await backend.Missions.ListMissionsAsync(Org, 0, 1)).TotalResults);

        foreach (var id in ids.Take(25))
        {
            await backend.Missions.DeleteMissionAsync(Org, id);
        }
        Assert.Equal(15, (await backend.Missions.ListMissionsAsync(Org, 0, 100)).TotalResults);
        Assert.Equal(15, (await backend.Missions.ListMissionsAsync(Org, 0, 100)).Items.Count);
        Assert.Equal(0, await ScalarAsync(db, "SELECT count(*) FROM counters WHERE key = $1 AND count = 0", key)); // a shard at zero is removed
    }

    private static async Task<long> ScalarAsync(TempDatabase db, string sql, string key)
    {
        await using var connection = new NpgsqlConnection(db.Settings["Storage:Postgres:ConnectionString"]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter { Value = key } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
