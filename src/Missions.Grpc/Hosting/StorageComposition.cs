using Missions.Grpc.Storage;

namespace Missions.Grpc.Hosting;

/// <summary>Storage: the backend <c>Storage:Provider</c> names, opened (and migrated) as the host starts, before it listens.</summary>
public static class StorageComposition
{
    public static WebApplicationBuilder AddMissionsStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddMissionStorage(builder.Configuration);
        // A relative LiteDB path is the content root's, as every other path setting.
        builder.Services.PostConfigure<StorageOptions>(options =>
            options.LiteDb.Path = Path.GetFullPath(options.LiteDb.Path, builder.Environment.ContentRootPath));
        return builder;
    }
}
