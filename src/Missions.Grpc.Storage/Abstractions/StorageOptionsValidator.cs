using Microsoft.Extensions.Options;

namespace Missions.Grpc.Storage;

/// <summary>The <c>Storage</c> section's limits, checked at start.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        foreach (var (setting, value, most) in new (string, long, long)[]
        {
            ("MaxMissionsPerOrganization", options.Quotas.MaxMissionsPerOrganization, int.MaxValue),
            ("MaxRunsPerMission", options.Quotas.MaxRunsPerMission, int.MaxValue),
            ("MaxEventsPerRun", options.Quotas.MaxEventsPerRun, int.MaxValue),
            ("MaxStoredBytesPerOrganization", options.Quotas.MaxStoredBytesPerOrganization, (long)int.MaxValue * 1024),
            ("MaxIdempotencyKeysPerOrganization", options.Quotas.MaxIdempotencyKeysPerOrganization, int.MaxValue),
            ("MaxWebhooksPerOrganization", options.Quotas.MaxWebhooksPerOrganization, int.MaxValue),
            ("MaxPendingDeliveriesPerOrganization", options.Quotas.MaxPendingDeliveriesPerOrganization, int.MaxValue),
        })
        {
            if (value < 1 || value > most)
            {
                failures.Add($"Quotas:{setting} must be between 1 and {most}.");
            }
        }
        switch (options.Provider.ToLowerInvariant())
        {
            case StorageOptions.LiteDbProvider:
                break;
            case StorageOptions.PostgresProvider:
                if (string.IsNullOrWhiteSpace(options.Postgres.ConnectionString))
                {
                    failures.Add("Storage:Postgres:ConnectionString is required with Storage:Provider=Postgres (e.g. Host=db;Database=missions;Username=…;Password=…).");
                }
                else
                {
                    try
                    {
                        _ = new Npgsql.NpgsqlConnectionStringBuilder(options.Postgres.ConnectionString);
                    }
                    catch (ArgumentException error)
                    {
                        failures.Add($"Storage:Postgres:ConnectionString is not a valid connection string: {error.Message}");
                    }
                }
                if (options.Postgres.MaxBatchSize is < 1 or > 10_000)
                {
                    failures.Add("Storage:Postgres:MaxBatchSize must be between 1 and 10000.");
                }
                return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
            default:
                return ValidateOptionsResult.Fail($"Storage:Provider '{options.Provider}' is not a storage backend: use LiteDb or Postgres.");
        }
        var liteDb = options.LiteDb;
        if (string.IsNullOrWhiteSpace(liteDb.Path))
        {
            failures.Add("Storage:LiteDb:Path must name a file.");
        }
        if (liteDb.MaxBatchSize is < 1 or > 100_000)
        {
            failures.Add("Storage:LiteDb:MaxBatchSize must be between 1 and 100000.");
        }
        if (liteDb.CheckpointLogBytes < 64 * 1024)
        {
            failures.Add("Storage:LiteDb:CheckpointLogBytes must be at least 65536 (64 KiB).");
        }
        if (liteDb.MinFreeBytes < 0)
        {
            failures.Add("Storage:LiteDb:MinFreeBytes must not be negative.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
