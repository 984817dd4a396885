using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Errors;
using Missions.Grpc.Rest;
using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.Tests.Protos;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Tests.Functional.Errors;

/// <summary>
/// The REST shaping mechanism on a test-only service: statuses come from each method's declared
/// rule (204 with an empty body for a delete, 200 for a POST action), never from the verb, and
/// handler errors are rewritten per the error table.
/// </summary>
public sealed class RestShapingMechanismTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddOptions<RestOptions>();
        builder.Services.AddSingleton(new MessageValidator(ShapingTestReflection.Descriptor.Services));
        builder.Services.AddSingleton<Missions.Grpc.Telemetry.ApiMetrics>();
        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            o.Interceptors.Add<RestMessageInterceptor>();
        });
        TranscoderBridge.AddTo(builder.Services);
        _app = builder.Build();
        _app.UseRouting();
        _app.UseMiddleware<RestShapingMiddleware>();
        _app.MapGrpcService<ThingsService>();
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Delete_declared_204_answers_204_with_no_body_and_no_content_type()
    {
        var response = await _client.DeleteAsync("/v2/test/things/t1");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Null(response.Content.Headers.ContentType);
    }

    [Fact]
    public async Task Post_action_declared_200_answers_200_with_and_without_a_body()
    {
        var withoutBody = await _client.PostAsync("/v2/test/things/t1/cancel", null);
        Assert.Equal(HttpStatusCode.OK, withoutBody.StatusCode);
        Assert.Equal("""{"thing_id":"t1","state":"cancelled"}""", await withoutBody.Content.ReadAsStringAsync());

        var withBody = await _client.PostAsync("/v2/test/things/t1/cancel", Json.Body("""{"reason":"done"}"""));
        Assert.Equal(HttpStatusCode.OK, withBody.StatusCode);
        Assert.Equal("""{"thing_id":"t1","state":"cancelled: done"}""", await withBody.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Handler_not_found_becomes_404_naming_the_resource()
    {
        var response = await _client.DeleteAsync("/v2/test/things/missing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("""{"detail":"Thing not found"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Handler_conflict_becomes_409_with_no_retry_header()
    {
        var response = await _client.PostAsync("/v2/test/things/finished/cancel", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
        Assert.Equal("""{"detail":"Thing is already finished"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unexpected_handler_failure_becomes_500_without_internals()
    {
        var response = await _client.DeleteAsync("/v2/test/things/explode");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("""{"detail":"Internal server error"}""", await response.Content.ReadAsStringAsync());

        // gRPC callers of the same failure get INTERNAL with the same words: no message, type or stack.
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(_app.GetTestServer().BaseAddress,
            new global::Grpc.Net.Client.GrpcChannelOptions { HttpHandler = _app.GetTestServer().CreateHandler() });
        var error = await Assert.ThrowsAsync<RpcException>(() => new ShapingTestService.ShapingTestServiceClient(channel)
            .DeleteThingAsync(new ThingRequest { ThingId = "explode" }).ResponseAsync);
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal("Internal server error", error.Status.Detail);
        Assert.DoesNotContain("secret", error.ToString());
        Assert.DoesNotContain("InvalidOperationException", error.Status.Detail);
    }

    private sealed class ThingsService : ShapingTestService.ShapingTestServiceBase
    {
        public override Task<ThingResponse> DeleteThing(ThingRequest request, ServerCallContext context) => request.ThingId switch
        {
            "missing" => throw new ResourceNotFoundException("Thing"),
            "explode" => throw new InvalidOperationException("secret internals"),
            _ => Task.FromResult(new ThingResponse { ThingId = request.ThingId, State = "deleted" }),
        };

        public override Task<ThingResponse> CancelThing(ThingRequest request, ServerCallContext context) => request.ThingId switch
        {
            "finished" => throw new ConflictException("Thing is already finished", "THING_FINISHED"),
            _ => Task.FromResult(new ThingResponse
            {
                ThingId = request.ThingId,
                State = request.HasReason ? $"cancelled: {request.Reason}" : "cancelled",
            }),
        };
    }
}
