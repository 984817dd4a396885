using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Hosting;

/// <summary>Liveness and readiness for probes and load balancers, over HTTP and grpc.health.v1, without a key.</summary>
public sealed class HealthEndpointTests : AppTest
{
    [Theory]
    [InlineData("/healthz/live")]
    [InlineData("/healthz/ready")]
    [InlineData("/healthz")]
    public async Task Probes_answer_healthy_without_a_key(string path)
    {
        using var response = await App.Rest(key: null).GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("missions.v1.MissionsService")]
    [InlineData("missions.v1.MissionRunsService")]
    [InlineData("missions.v1.RunWatchService")]
    public async Task Each_api_service_is_serving_in_grpc_health(string service)
    {
        var health = new Health.HealthClient(App.GrpcChannel());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HealthCheckResponse.Types.ServingStatus status;
        do
        {
            status = (await health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: deadline)).Status;
        }
        while (status != HealthCheckResponse.Types.ServingStatus.Serving && DateTime.UtcNow < deadline.AddSeconds(-1) && await Delay());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
    }

    [Fact]
    public async Task An_unknown_service_is_not_found_in_grpc_health()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new Health.HealthClient(App.GrpcChannel()).CheckAsync(new HealthCheckRequest { Service = "missions.v1.NoSuchService" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }
}
