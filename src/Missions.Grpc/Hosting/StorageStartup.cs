using Missions.Grpc.Storage;

namespace Missions.Grpc.Hosting;

/// <summary>Opens the storage backend when the host starts, so its start-up guards run then.</summary>
public sealed class StorageStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<IMissionStore>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
