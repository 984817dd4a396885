using Microsoft.Extensions.Diagnostics.HealthChecks;
using Missions.Grpc.Storage;

namespace Missions.Grpc.HealthChecks;

/// <summary>
/// Storage as the backend reports it (GET /healthz and grpc.health.v1): Healthy; Degraded while writes or log
/// checkpoints fail and reads are still served (/healthz answers 200 "Degraded", gRPC SERVING); Unhealthy when
/// reads cannot be served either. Costs no I/O: the writer knows.
/// </summary>
internal sealed class StorageHealthCheck(IStorageHealth storage) : IHealthCheck
{
    public const string Name = "storage";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = storage.Check();
        return Task.FromResult(report.Status switch
        {
            StorageHealthStatus.Healthy => HealthCheckResult.Healthy(report.Description),
            StorageHealthStatus.Degraded => HealthCheckResult.Degraded(report.Description),
            _ => HealthCheckResult.Unhealthy(report.Description),
        });
    }
}
