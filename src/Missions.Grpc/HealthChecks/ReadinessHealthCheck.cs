using Microsoft.Extensions.Diagnostics.HealthChecks;
using Missions.Grpc.Storage;

namespace Missions.Grpc.HealthChecks;

/// <summary>
/// Readiness (<c>/healthz/ready</c>, and each API service in <c>grpc.health.v1</c>): ready once the host has started,
/// until it starts draining, while storage can serve (an unreachable database or storage files that cannot be opened
/// are not ready; a disk refusing writes is Degraded storage but still ready: reads are served and writes answer 503
/// with Retry-After, which is better than a balancer's bare 503 when there is no other replica to send them to).
/// </summary>
internal sealed class ReadinessHealthCheck(IHostApplicationLifetime lifetime, IStorageHealth storage) : IHealthCheck
{
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("draining: finishing the requests in flight before stopping"));
        }
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("starting"));
        }
        var report = storage.Check();
        return Task.FromResult(report.Status == StorageHealthStatus.Unavailable
            ? HealthCheckResult.Unhealthy(report.Description)
            : HealthCheckResult.Healthy(report.Description));
    }
}
