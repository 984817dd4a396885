using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Auth;

/// <summary>Authentication as a native gRPC caller sees it: statuses written by Grpc.AspNetCore, on every kind of method.</summary>
public sealed class AuthGrpcTests : AppTest
{
    [Theory]
    [InlineData(null, "Not authenticated: send Authorization: Bearer <API key>")]
    [InlineData("Basic abc", "Invalid authorization scheme: expected Bearer")]
    [InlineData("Bearer wrong-key", "Invalid API key")]
    public async Task An_unauthenticated_call_gets_a_plain_grpc_message_on_the_wire(string? authorization, string message)
    {
        // Raw HTTP/2, as grpc-js or grpcurl read it: grpc-message percent-encodes only what the gRPC spec says
        // (non-printable bytes and '%'), so spaces, ':' and '<' arrive as themselves.
        using var http = new HttpClient(App.Server.CreateHandler()) { BaseAddress = App.Server.BaseAddress };
        var request = new HttpRequestMessage(HttpMethod.Post, "/missions.v1.MissionsService/ListMissions")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]), // one empty message
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", authorization);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        var status = Header(response, "grpc-status");
        Assert.Equal(((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
        Assert.Equal(message, Header(response, "grpc-message"));
    }

    [Fact]
    public async Task Every_kind_of_api_method_refuses_an_unknown_key_and_health_and_reflection_do_not()
    {
        var channel = App.GrpcChannel();
        var watch = new RunWatchService.RunWatchServiceClient(channel).WatchRun(
            new WatchRunRequest { MissionId = Guid.NewGuid().ToString(), RunId = Guid.NewGuid().ToString() }, Key("nope"), Deadline);
        var streaming = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext());
        var unary = await Assert.ThrowsAsync<RpcException>(() =>
            new MissionRunsService.MissionRunsServiceClient(channel).ListRecentRunsAsync(new ListRecentRunsRequest(), Key("nope"), Deadline).ResponseAsync);
        var health = await new global::Grpc.Health.V1.Health.HealthClient(channel)
            .CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest(), Key("nope"), Deadline);

        Assert.Equal(StatusCode.Unauthenticated, streaming.StatusCode);
        Assert.Equal("Invalid API key", streaming.Status.Detail);
        Assert.Equal(StatusCode.Unauthenticated, unary.StatusCode);
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task A_refused_call_never_reaches_its_handler()
    {
        var client = App.Grpc();
        await Assert.ThrowsAsync<RpcException>(() =>
            client.CreateMissionAsync(new CreateMissionRequest { Name = "refused" }, Key("nope"), Deadline).ResponseAsync);

        var page = await client.ListMissionsAsync(new ListMissionsRequest(), Key(), Deadline);
        Assert.Equal(0, page.Meta.TotalResults);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single()
        : response.TrailingHeaders.TryGetValues(name, out var trailers) ? trailers.Single()
        : null;
}
