using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Missions.Grpc.Protocol;

namespace Missions.Grpc.HealthChecks;

/// <summary>
/// Health: storage as it is (<see cref="StorageHealthCheck"/>) and readiness (<see cref="ReadinessHealthCheck"/>), over
/// <c>grpc.health.v1</c> and <c>/healthz</c>.
/// </summary>
public static class HealthComposition
{
    public static WebApplicationBuilder AddMissionsHealth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // grpc.health.v1: "" is the server (storage and readiness); each API service by its full name is readiness.
        // It answers from the last published report (UseHealthChecksCache); /healthz runs the checks per request.
        services.AddGrpcHealthChecks(options =>
            {
                options.UseHealthChecksCache = true;
                foreach (var service in ApiContract.Services)
                {
                    options.Services.Map(service.FullName, check => check.Tags.Contains(ReadinessHealthCheck.Tag));
                }
            })
            .AddCheck<StorageHealthCheck>(StorageHealthCheck.Name, tags: [StorageHealthCheck.Name])
            .AddCheck<ReadinessHealthCheck>(ReadinessHealthCheck.Tag, tags: [ReadinessHealthCheck.Tag]);
        services.Configure<HealthCheckPublisherOptions>(options =>
        {
            options.Delay = TimeSpan.Zero;
            options.Period = TimeSpan.FromSeconds(1);
        });
        services.AddHostedService<HealthPublication>();
        return builder;
    }

    /// <summary>
    /// <c>grpc.health.v1</c>; <c>/healthz</c>: storage as it is (200 Healthy or Degraded, 503 Unhealthy);
    /// <c>/healthz/live</c>: the process answers; <c>/healthz/ready</c>: started, not draining, storage serving (for
    /// Kubernetes probes and load balancers). None needs a key.
    /// </summary>
    public static WebApplication MapMissionsHealth(this WebApplication app)
    {
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(StorageHealthCheck.Name) }).AllowAnonymous();
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadinessHealthCheck.Tag) }).AllowAnonymous();
        return app;
    }
}
