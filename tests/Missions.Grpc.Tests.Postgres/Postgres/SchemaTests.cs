using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Postgres;
using Missions.Grpc.Tests.Infrastructure;
using Npgsql;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>The schema: created at start, migrated once when several replicas start together, refused when newer than the build.</summary>
[Collection(ServerProcessCollection.Name)]
public sealed class SchemaTests
{
    private static PostgresBackend Open(TempDatabase db) => new PostgresBackend(
        Options.Create(new StorageOptions { Provider = "Postgres", Postgres = new PostgresOptions { ConnectionString = db.Settings["Storage:Postgres:ConnectionString"] } }),
        NullLogger<PostgresBackend>.Instance).Opened();

    [Fact]
    public async Task Eight_replicas_starting_at_once_migrate_the_schema_once()
    {
        using var db = new TempDatabase();

        // Each on its own thread, as eight processes would be (not eight blocked pool threads starving Npgsql's I/O).
        var backends = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() => Open(db), TaskCreationOptions.LongRunning)));
        try
        {
            await using var connection = new NpgsqlConnection(db.Settings["Storage:Postgres:ConnectionString"]);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", connection);
            var versions = new List<int>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    versions.Add(reader.GetInt32(0));
                }
            }
            Assert.Equal(Enumerable.Range(1, versions.Count), versions);
            await backends[0].Missions.CreateMissionAsync(new NewMission("org", "m", null, null, null, "external", null));
            Assert.Equal(1, (await backends[7].Missions.ListMissionsAsync("org", 0, 10)).TotalResults);
        }
        finally
        {
            foreach (var backend in backends)
            {
                backend.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_schema_newer_than_the_build_is_refused_and_left_as_it_is()
    {
        using var db = new TempDatabase();
        Open(db).Dispose();
        await using (var connection = new NpgsqlConnection(db.Settings["Storage:Postgres:ConnectionString"]))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future')", connection);
            await command.ExecuteNonQueryAsync();
        }

        var refused = Assert.Throws<StorageStartException>(() => Open(db));

        Assert.Contains("version 999, newer than this build knows", refused.Message);
    }

    [Fact]
    public async Task A_server_that_cannot_reach_the_database_refuses_to_start_in_one_line()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db, waitUntilHealthy: false, settings: new Dictionary<string, string>
        {
            ["Storage:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=x;Database=x;Timeout=2",
        });

        Assert.Equal(1, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Missions.Grpc cannot start: PostgreSQL at 127.0.0.1:1/x cannot be used:", server.Output);
        Assert.DoesNotContain("   at ", server.Output);
    }
}
