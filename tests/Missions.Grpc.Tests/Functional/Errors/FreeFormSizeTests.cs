using System.Net;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Errors;

/// <summary>
/// A free-form value (metadata, input, payload, …) larger than <c>Validation:MaxFreeFormBytes</c> of JSON is refused
/// with the spec's 422, naming the field and the limit (gRPC INVALID_ARGUMENT with the same violation); at the limit it
/// is stored.
/// </summary>
public sealed class FreeFormSizeTests : AppTest
{
    private const int Limit = 16 * 1024;

    [Theory]
    [InlineData("metadata")]
    public async Task A_mission_whose_metadata_is_over_the_limit_answers_422_naming_the_field_and_the_limit(string field)
    {
        var rest = App.Rest();
        var (status, body, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, Mission(field, Blob(Limit)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = body.SingleDetail();
        Assert.Equal("value_error", (string?)error["type"]);
        Assert.Equal(["body", field], error.Loc());
        Assert.Contains($"larger than {Limit} bytes of JSON (Validation:MaxFreeFormBytes)", (string?)error["msg"]);

        // Just under the limit is stored ({"blob":"…"} is 11 bytes around the string).
        Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, Mission(field, Blob(Limit - 11)))).Status);
    }

    [Fact]
    public async Task Run_input_and_event_payload_have_the_limit_on_both_faces()
    {
        var rest = App.Rest();
        var mission = await rest.NewMissionAsync();
        var (status, body, _) = await rest.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{mission}/runs", $$"""{"input":{{Blob(Limit)}}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["body", "input"], body.SingleDetail().Loc());

        var run = (string)(await rest.StartRunAsync(mission))["run_id"]!;
        var error = await Assert.ThrowsAsync<RpcException>(() => new RunEventsService.RunEventsServiceClient(App.GrpcChannel()).LogEventAsync(
            new LogEventRequest
            {
                MissionId = mission, RunId = run, Type = RunEvent.Types.Type.Message, Summary = "big",
                Payload = Struct.Parser.ParseJson(Blob(Limit)),
            }, Key(), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("payload", violation.Field);
        Assert.Contains($"larger than {Limit} bytes", violation.Description);
    }

    private static string Mission(string field, string value) => $$"""{"name":"sized","{{field}}":{{value}}}""";

    /// <summary>A JSON object of <paramref name="bytes"/> + 11 bytes: {"blob":"xxx…"}.</summary>
    private static string Blob(int bytes) => "{\"blob\":\"" + new string('x', bytes) + "\"}";
}
