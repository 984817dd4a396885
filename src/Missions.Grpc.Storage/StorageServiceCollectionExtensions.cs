using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage.LiteDb;

namespace Missions.Grpc.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the backend named by <c>Storage:Provider</c> (<see cref="IStorageBackend"/>) and every store interface from
    /// it (<see cref="IMissionStore"/>, <see cref="IRunStore"/>, …). The backend opens as the host starts
    /// (<see cref="StorageStartup"/>, before the server listens); a backend that cannot open refuses the start.
    /// </summary>
    public static IServiceCollection AddMissionStorage(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound once, as the host starts: not Bind(section), whose reload would validate again inside the configuration's
        // change callback and throw there (storage reads its settings only when it opens).
        services.AddOptions<StorageOptions>()
            .Configure(options =>
            {
                configuration.GetSection(StorageOptions.SectionName).Bind(options);
                configuration.GetSection(QuotaOptions.SectionName).Bind(options.Quotas);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<IStorageBackend>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>();
            return options.Value.Provider.ToLowerInvariant() switch
            {
                StorageOptions.LiteDbProvider => new LiteDbBackend(
                    options,
                    sp.GetRequiredService<ILogger<LiteDbBackend>>(),
                    sp.GetService<TimeProvider>(),
                    sp.GetService<IStorageFileOpener>() ?? FileSystemFileOpener.Instance,
                    sp.GetService<IMeterFactory>()),
                StorageOptions.PostgresProvider => new Postgres.PostgresBackend(
                    options,
                    sp.GetRequiredService<ILogger<Postgres.PostgresBackend>>(),
                    sp.GetService<TimeProvider>(),
                    sp.GetService<IMeterFactory>()),
                var other => throw new InvalidOperationException($"Unknown Storage:Provider '{other}'"), // refused by the validator first
            };
        });
        services.AddHostedService<StorageStartup>();
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().Missions);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().Runs);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().Plans);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().Events);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().AgentLinks);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().Attachments);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().IdempotencyKeys);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().Webhooks);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().Feed);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageBackend>().Health);
        return services;
    }
}
