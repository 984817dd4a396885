using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Postgres;
using Missions.Grpc.Tests.Infrastructure;
using Npgsql;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>
/// The connection to PostgreSQL cut around a write's <c>COMMIT</c> (<see cref="CommitCutProxy"/>): before it, the write
/// is refused as not written and is not stored; after it (committed, the answer lost), the write is acknowledged, and
/// stored once: the writer asks the database, it never runs the batch again. A keyed write follows its write: refused,
/// its key holds nothing and a retry is processed afresh; acknowledged after a lost answer, a retry replays it.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class CommitOutcomeTests
{
    private const string Org = "org";

    [Fact]
    public async Task A_connection_cut_before_COMMIT_answers_not_written_and_stores_nothing()
    {
        using var db = new TempDatabase();
        using var proxy = new CommitCutProxy(PostgresCluster.Shared.Port);
        using var backend = Open(db, proxy);

        proxy.Arm(CommitCut.BeforeCommit);
        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => backend.Missions.CreateMissionAsync(Mission("cut before")));
        await proxy.Cut.Task;

        Assert.False(refused.OutcomeUnknown);
        Assert.Equal("STORAGE_UNREACHABLE", refused.Reason);
        Assert.Equal(0, (await backend.Missions.ListMissionsAsync(Org, 0, 10)).TotalResults);
        Assert.Equal(0, await StoredAsync(db));
    }

    [Fact]
    public async Task A_COMMIT_whose_answer_is_lost_is_acknowledged_once_and_stored_once()
    {
        using var db = new TempDatabase();
        using var proxy = new CommitCutProxy(PostgresCluster.Shared.Port);
        using var backend = Open(db, proxy);

        proxy.Arm(CommitCut.AfterCommit);
        var cut = backend.Missions.CreateMissionAsync(Mission("answer lost"));
        // Queued behind it: the writer commits these while the lost answer is being settled.
        var others = Enumerable.Range(0, 8).Select(i => backend.Missions.CreateMissionAsync(Mission($"next {i}"))).ToList();
        var created = await cut;
        await proxy.Cut.Task;
        await Task.WhenAll(others);

        Assert.Equal("answer lost", (await backend.Missions.GetMissionAsync(Org, Guid.Parse(created.Id))).Name);
        Assert.Equal(9, (await backend.Missions.ListMissionsAsync(Org, 0, 10)).TotalResults);
        Assert.Equal(9, await StoredAsync(db));
    }

    [Fact]
    public async Task A_keyed_write_cut_before_COMMIT_keeps_nothing_under_its_key_and_its_retry_is_processed_afresh()
    {
        using var db = new TempDatabase();
        using var proxy = new CommitCutProxy(PostgresCluster.Shared.Port);
        using var backend = Open(db, proxy);

        proxy.Arm(CommitCut.BeforeCommit);
        var refused = Keyed("key-cut-before");
        await Assert.ThrowsAsync<StorageUnavailableException>(() => backend.Missions.CreateMissionAsync(Mission("cut before, keyed"), refused));
        await proxy.Cut.Task;
        Assert.Equal((0, 0), (await StoredAsync(db), await StoredKeysAsync(db)));

        var retry = Keyed("key-cut-before");
        var created = await backend.Missions.CreateMissionAsync(Mission("cut before, keyed"), retry);
        Assert.False(retry.Replayed); // the refused attempt kept nothing under the key
        Assert.Equal((1, 1), (await StoredAsync(db), await StoredKeysAsync(db)));
        Assert.Equal("cut before, keyed", (await backend.Missions.GetMissionAsync(Org, Guid.Parse(created.Id))).Name);
    }

    [Fact]
    public async Task A_keyed_write_whose_COMMIT_answer_is_lost_is_acknowledged_and_its_retry_replays_it()
    {
        using var db = new TempDatabase();
        using var proxy = new CommitCutProxy(PostgresCluster.Shared.Port);
        using var backend = Open(db, proxy);

        proxy.Arm(CommitCut.AfterCommit);
        var acknowledged = await backend.Missions.CreateMissionAsync(Mission("answer lost, keyed"), Keyed("key-answer-lost"));
        await proxy.Cut.Task;

        var retry = Keyed("key-answer-lost");
        var replayed = await backend.Missions.CreateMissionAsync(Mission("answer lost, keyed"), retry);
        Assert.True(retry.Replayed); // the settled COMMIT stored the key with the write
        Assert.Equal(acknowledged.Id, replayed.Id);
        Assert.Equal((1, 1), (await StoredAsync(db), await StoredKeysAsync(db)));
    }

    private static NewMission Mission(string name) => new(Org, name, null, null, null, "external", null);

    /// <summary>A request's key as the API passes it to the write (the same fingerprint for the same request).</summary>
    private static IdempotencyScope Keyed(string key) => new(Org, key, "fingerprint-of-the-request", TimeSpan.FromHours(1));

    private static PostgresBackend Open(TempDatabase db, CommitCutProxy proxy)
    {
        var connection = new NpgsqlConnectionStringBuilder(db.Settings["Storage:Postgres:ConnectionString"]) { Port = proxy.Port };
        return new PostgresBackend(
            Options.Create(new StorageOptions { Provider = "Postgres", Postgres = new PostgresOptions { ConnectionString = connection.ConnectionString } }),
            NullLogger<PostgresBackend>.Instance).Opened();
    }

    /// <summary>Missions in the schema, counted directly (not through the counters the backend keeps).</summary>
    private static Task<long> StoredAsync(TempDatabase db) => CountAsync(db, "missions");

    /// <summary>Idempotency-Key records in the schema, counted directly.</summary>
    private static Task<long> StoredKeysAsync(TempDatabase db) => CountAsync(db, "idempotency_keys");

    private static async Task<long> CountAsync(TempDatabase db, string table)
    {
        await using var connection = new NpgsqlConnection(db.Settings["Storage:Postgres:ConnectionString"]);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
