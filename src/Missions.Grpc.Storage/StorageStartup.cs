using Microsoft.Extensions.Hosting;

namespace Missions.Grpc.Storage;

/// <summary>
/// Opens the storage backend as the host starts (<see cref="IStorageBackend.OpenAsync"/>: the database, its migrations,
/// a first empty batch), before the server listens: storage that cannot be used refuses the start
/// (<see cref="StorageStartException"/>), never the first request.
/// </summary>
internal sealed class StorageStartup(IStorageBackend backend) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => backend.OpenAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
