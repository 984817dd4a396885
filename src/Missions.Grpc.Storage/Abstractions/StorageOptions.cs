namespace Missions.Grpc.Storage;

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public const string LiteDbProvider = "litedb";

    public const string PostgresProvider = "postgres";

    /// <summary>Backend: <c>LiteDb</c> (embedded, the default) or <c>Postgres</c>. Case does not matter.</summary>
    public string Provider { get; set; } = "LiteDb";

    public LiteDbOptions LiteDb { get; set; } = new();

    public PostgresOptions Postgres { get; set; } = new();
}

/// <summary>Configuration section <c>Storage:Postgres</c>.</summary>
public sealed class PostgresOptions
{
    /// <summary>
    /// An Npgsql connection string, e.g. <c>Host=db;Port=5432;Database=missions;Username=missions;Password=…</c>
    /// (<c>Search Path=</c> puts the tables in a schema of their own). Without <c>Timeout</c>, connecting gives up after 5 s.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Most queued writes of one replica committed in one transaction (group commit).</summary>
    public int MaxBatchSize { get; set; } = 256;
}

/// <summary>Configuration section <c>Storage:LiteDb</c>.</summary>
public sealed class LiteDbOptions
{
    /// <summary>Database file; relative paths are resolved against the content root.</summary>
    public string Path { get; set; } = "data/missions.db";

    /// <summary>Most queued writes committed in one LiteDB transaction (group commit).</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// The log size at which the writer copies the log into the data file (a checkpoint, between batches).
    /// LiteDB's own default is 1,000 pages (8 MB).
    /// </summary>
    public long CheckpointLogBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>The server refuses to start on a volume with less free space than this.</summary>
    public long MinFreeBytes { get; set; } = 1024 * 1024;
}
