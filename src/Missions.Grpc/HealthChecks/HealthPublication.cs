using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Missions.Grpc.HealthChecks;

/// <summary>
/// gRPC health answers from the last published report (the checks run once a second, not once per call). This publishes
/// at the moments readiness changes, without waiting for the next period: before the server listens (storage is open by
/// then: <c>AddMissionsStorage</c> comes first), once the host has started, and as it starts draining.
/// </summary>
internal sealed class HealthPublication(
    HealthCheckService checks, IEnumerable<IHealthCheckPublisher> publishers, IHostApplicationLifetime lifetime, ILogger<HealthPublication> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await PublishAsync(cancellationToken);
        // Readiness sees the host started only once every hosted service's StartedAsync has run.
        lifetime.ApplicationStarted.Register(() => _ = PublishAsync(CancellationToken.None));
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => PublishAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs the checks once and hands the report to the publishers (gRPC health's cache among them).</summary>
    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        try
        {
            var report = await checks.CheckHealthAsync(cancellationToken);
            foreach (var publisher in publishers)
            {
                await publisher.PublishAsync(report, cancellationToken);
            }
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // The periodic publication tries again within a second.
            HealthLog.PublicationFailed(logger, error);
        }
    }
}
