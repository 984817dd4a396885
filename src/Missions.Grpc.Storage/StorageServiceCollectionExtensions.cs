using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage.LiteDb;

namespace Missions.Grpc.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the backend named by <c>Storage:Provider</c> as every store interface (<see cref="IMissionStore"/>,
    /// <see cref="IRunStore"/>, …). The backend opens when first resolved; <c>OpenMissionStorage</c> does that at start.
    /// </summary>
    public static IServiceCollection AddMissionStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StorageOptions.SectionName);
        services.AddOptions<StorageOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        var provider = section.GetValue<string>(nameof(StorageOptions.Provider)) ?? "LiteDb";
        switch (provider.ToLowerInvariant())
        {
            case "litedb":
                services.AddSingleton(sp => new LiteDbStore(
                    sp.GetRequiredService<IOptions<StorageOptions>>(),
                    sp.GetRequiredService<ILogger<LiteDbStore>>(),
                    sp.GetService<TimeProvider>(),
                    sp.GetService<IStorageFileOpener>() ?? FileSystemFileOpener.Instance));
                services.AddSingleton<IMissionStore>(sp => sp.GetRequiredService<LiteDbStore>());
                services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<LiteDbStore>());
                services.AddSingleton<IPlanStore>(sp => sp.GetRequiredService<LiteDbStore>());
                services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<LiteDbStore>());
                services.AddSingleton<IAgentLinkStore>(sp => sp.GetRequiredService<LiteDbStore>());
                services.AddSingleton<IAttachmentStore>(sp => sp.GetRequiredService<LiteDbStore>());
                services.AddSingleton<IRunFeed>(sp => sp.GetRequiredService<LiteDbStore>());
                services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<LiteDbStore>());
                break;
            default:
                throw new InvalidOperationException(
                    $"Unknown Storage:Provider '{provider}'. Supported: LiteDb.");
        }
        return services;
    }
}
