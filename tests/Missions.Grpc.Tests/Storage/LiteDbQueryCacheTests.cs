using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// LiteDB compiles a query expression once per distinct text and keeps it for the life of the process: a range query
/// whose values are written into its text (as LiteDB's own <c>Query.Between</c> does) compiles — and keeps — one
/// delegate per range. The store's queries carry their values as parameters, so reading many missions, runs and
/// pages leaves the cache as it was after the first.
/// </summary>
public sealed class LiteDbQueryCacheTests
{
    [Fact]
    public async Task Reading_many_different_ranges_compiles_no_new_query_expressions()
    {
        using var db = new TempDatabase();
        using var store = new LiteDbBackend(
            Options.Create(new StorageOptions { LiteDb = new LiteDbOptions { Path = db.Path } }), NullLogger<LiteDbBackend>.Instance).Opened();
        var missions = new List<Guid>();
        for (var i = 0; i < 30; i++)
        {
            var mission = Guid.Parse((await store.Missions.CreateMissionAsync(new NewMission(TestKeys.OrgA, $"m{i}", null, null, null, "external", null))).Id);
            await store.Runs.CreateRunAsync(TestKeys.OrgA, mission, new NewRun(null, null));
            missions.Add(mission);
        }
        async Task ReadAllAsync(IEnumerable<Guid> ids)
        {
            foreach (var id in ids)
            {
                await store.Attachments.GetMissionWithAttachmentsAsync(TestKeys.OrgA, id);
                await store.Runs.ListRunsAsync(TestKeys.OrgA, new RunFilter(id), 0, 20);
            }
            for (var offset = 0; offset < 30; offset += 3)
            {
                await store.Missions.ListMissionsAsync(TestKeys.OrgA, offset, 3);
            }
        }
        await ReadAllAsync(missions.Take(2)); // every query shape once
        var compiled = CompiledExpressions();
        await ReadAllAsync(missions);
        Assert.Equal(compiled, CompiledExpressions());
    }

    /// <summary>How many compiled expressions LiteDB caches (its private static caches, read for this test only).</summary>
    private static int CompiledExpressions() =>
        new[] { "_cacheScalar", "_cacheEnumerable" }.Sum(name =>
            ((System.Collections.ICollection)(typeof(LiteDB.BsonExpression).GetField(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
                ?.GetValue(null) ?? throw new InvalidOperationException($"LiteDB's BsonExpression.{name} is gone: review this test"))).Count);

}
