using Microsoft.Extensions.Options;

namespace Missions.Grpc.Storage;

/// <summary>The <c>Storage</c> section's limits, checked at start.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (options.Provider.ToLowerInvariant() is not StorageOptions.LiteDbProvider)
        {
            return ValidateOptionsResult.Fail($"Storage:Provider '{options.Provider}' is not a storage backend: use LiteDb.");
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
