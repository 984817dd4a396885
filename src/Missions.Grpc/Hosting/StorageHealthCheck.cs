using Microsoft.Extensions.Diagnostics.HealthChecks;
using Missions.Grpc.Storage;

namespace Missions.Grpc.Hosting;

/// <summary>Healthy while the storage backend serves reads (GET /healthz and grpc.health.v1).</summary>
public sealed class StorageHealthCheck(IStorageHealth storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await storage.CheckAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception error)
        {
            return HealthCheckResult.Unhealthy("storage is not answering", error);
        }
    }
}
