using System.Net;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Functional.Errors;

/// <summary>One Warning line per failed request, REST or gRPC: method, route template or RPC, status, duration; no key, no id.</summary>
public sealed class FailedRequestLogTests : AppTest
{
    [Fact]
    public async Task A_failed_rest_call_and_a_failed_grpc_call_are_each_logged_once_by_route_without_ids_or_keys()
    {
        var missing = Guid.NewGuid().ToString();
        var (status, _, _) = await App.Rest().SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missing}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var error = await Assert.ThrowsAsync<RpcException>(() => new MissionsService.MissionsServiceClient(App.GrpcChannel())
            .GetMissionAsync(new GetMissionRequest { MissionId = missing }, GrpcCalls.Key()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        await App.Rest().SendAsync(HttpMethod.Get, RestCalls.Missions); // a success is not logged

        var lines = App.Logs.All.Where(l => l.StartsWith("Missions.Grpc.Hosting.FailedRequestLogging:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains(lines, l => l.Contains("GET /v2/ai/missions/{mission_id} answered HTTP 404 in ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("POST /missions.v1.MissionsService/GetMission answered gRPC NotFound in ", StringComparison.Ordinal));
        Assert.All(lines, l =>
        {
            Assert.DoesNotContain(missing, l);
            Assert.DoesNotContain(TestKeys.KeyA, l);
        });
    }
}
