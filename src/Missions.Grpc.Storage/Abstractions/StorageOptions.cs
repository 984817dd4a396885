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

    /// <summary>The quotas the write pipeline enforces: bound from the top-level <c>Quotas</c> section.</summary>
    public QuotaOptions Quotas { get; set; } = new();
}
