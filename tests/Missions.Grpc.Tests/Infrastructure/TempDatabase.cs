namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// A database of the test's own, on the assembly's backend (<see cref="TestBackend"/>): a LiteDB file in a folder removed
/// when the test ends, or a PostgreSQL schema of the shared test cluster, dropped when the test ends. Servers started on
/// it (in memory or as processes) take <see cref="Settings"/>; two servers on one TempDatabase share the data.
/// </summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "missions-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "missions.db");
        Schema = "t_" + Guid.NewGuid().ToString("N");
    }

    public string Directory { get; }

    /// <summary>The LiteDB file (LiteDB backend).</summary>
    public string Path { get; }

    /// <summary>The PostgreSQL schema (PostgreSQL backend).</summary>
    public string Schema { get; }

    /// <summary>The storage configuration of a server on this database (configuration keys as in README).</summary>
    public IReadOnlyDictionary<string, string> Settings => TestBackend.IsPostgres
        ? new Dictionary<string, string>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres:ConnectionString"] = PostgresCluster.Shared.ConnectionString(Schema),
        }
        : new Dictionary<string, string> { ["Storage:LiteDb:Path"] = Path };

    /// <summary>
    /// The storage backend itself on this database, without a server (the tests of the storage seam): LiteDB or
    /// PostgreSQL as the assembly runs, with what <paramref name="configure"/> sets (quotas). Dispose it before the database.
    /// </summary>
    internal Missions.Grpc.Storage.IStorageBackend OpenBackend(TimeProvider? time = null, Action<Missions.Grpc.Storage.StorageOptions>? configure = null)
    {
        var options = new Missions.Grpc.Storage.StorageOptions();
        configure?.Invoke(options);
        if (TestBackend.IsPostgres)
        {
            options.Provider = "Postgres";
            options.Postgres.ConnectionString = PostgresCluster.Shared.ConnectionString(Schema);
            return new Missions.Grpc.Storage.Postgres.PostgresBackend(Microsoft.Extensions.Options.Options.Create(options),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Missions.Grpc.Storage.Postgres.PostgresBackend>.Instance, time).Opened();
        }
        options.LiteDb.Path = Path;
        options.LiteDb.MinFreeBytes = 0;
        return new Missions.Grpc.Storage.LiteDb.LiteDbBackend(Microsoft.Extensions.Options.Options.Create(options),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Missions.Grpc.Storage.LiteDb.LiteDbBackend>.Instance, time).Opened();
    }

    public void Dispose()
    {
        if (TestBackend.IsPostgres)
        {
            PostgresCluster.Shared.DropSchema(Schema);
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a server process may still be releasing the file; the temp folder is disposable anyway
        }
    }
}
