using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Missions.Grpc.HealthChecks;
using Missions.Grpc.Storage;

namespace Missions.Grpc.Tests.Unit;

/// <summary>Readiness: not ready while starting or draining, or while storage cannot serve; ready in between.</summary>
public sealed class ReadinessHealthCheckTests
{
    [Fact]
    public async Task Not_ready_while_starting_ready_once_started_not_ready_while_draining()
    {
        var lifetime = new Lifetime();
        var storage = new Storage();
        var check = new ReadinessHealthCheck(lifetime, storage);

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(null!)).Status);
        lifetime.Started.Cancel();
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(null!)).Status);
        storage.Status = StorageHealthStatus.Degraded; // writes refused, reads served: still worth sending callers to
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(null!)).Status);
        storage.Status = StorageHealthStatus.Unavailable;
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(null!)).Status);
        storage.Status = StorageHealthStatus.Healthy;
        lifetime.Stopping.Cancel();
        var draining = await check.CheckHealthAsync(null!);
        Assert.Equal(HealthStatus.Unhealthy, draining.Status);
        Assert.StartsWith("draining", draining.Description);
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationTokenSource Started { get; } = new();
        public CancellationTokenSource Stopping { get; } = new();

        public CancellationToken ApplicationStarted => Started.Token;
        public CancellationToken ApplicationStopping => Stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => Stopping.Cancel();
    }

    private sealed class Storage : IStorageHealth
    {
        public StorageHealthStatus Status { get; set; } = StorageHealthStatus.Healthy;

        public StorageHealthReport Check() => new(Status, Status.ToString());
    }
}
