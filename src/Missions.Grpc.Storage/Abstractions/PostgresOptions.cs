namespace Missions.Grpc.Storage;

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
