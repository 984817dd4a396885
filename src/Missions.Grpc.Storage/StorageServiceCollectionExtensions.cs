using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Storage.LiteDb;

namespace Missions.Grpc.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the backend named by <c>Storage:Provider</c> as <see cref="IMissionStore"/>.</summary>
    public static IServiceCollection AddMissionStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StorageOptions.SectionName);
        services.Configure<StorageOptions>(section);
        var provider = section.GetValue<string>(nameof(StorageOptions.Provider)) ?? "LiteDb";
        switch (provider.ToLowerInvariant())
        {
            case "litedb":
                services.AddSingleton<LiteDbMissionStore>();
                services.AddSingleton<IMissionStore>(sp => sp.GetRequiredService<LiteDbMissionStore>());
                services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<LiteDbMissionStore>());
                break;
            default:
                throw new InvalidOperationException(
                    $"Unknown Storage:Provider '{provider}'. Supported: LiteDb.");
        }
        return services;
    }
}
