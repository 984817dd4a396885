using Google.Rpc;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Errors;

/// <summary>
/// A gRPC caller gets why a request is invalid as structure: the standard google.rpc.BadRequest, and this API's
/// missions.v1.RequestViolations with pydantic's type, location, message and context (what the REST face's 422 says);
/// and every error-detail type is served through reflection, so a client with reflection only can decode them.
/// </summary>
public sealed class ErrorDetailsTests : IAsyncLifetime
{
    private readonly MissionsApp _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_invalid_request_carries_the_typed_violations_beside_bad_request()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _app.Grpc().CreateMissionAsync(
            new CreateMissionRequest { Name = new string('n', 257), ExecutionMode = (Mission.Types.ExecutionMode)9 }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var status = error.GetRpcStatus()!;
        Assert.Equal(["name string_too_long", "execution_mode enum"],
            status.GetDetail<BadRequest>()!.FieldViolations.Select(f => $"{f.Field} {f.Reason}"));
        var typed = status.GetDetail<RequestViolations>()!.Violations;
        Assert.Equal(2, typed.Count);
        Assert.Equal(("string_too_long", "name", "String should have at most 256 characters"),
            (typed[0].Type, typed[0].Location.Single().Field, typed[0].Message));
        Assert.Equal(256, typed[0].Context.Fields["max_length"].NumberValue);
        Assert.Equal(("enum", "'external' or 'managed'"), (typed[1].Type, typed[1].Context.Fields["expected"].StringValue));
    }

    [Fact]
    public async Task Locations_hold_list_indexes_as_indexes()
    {
        var (_, missionId, runId) = await _app.Rest().NewRunAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => new RunPlansService.RunPlansServiceClient(_app.GrpcChannel()).CreatePlanAsync(
            new CreatePlanRequest { MissionId = missionId, RunId = runId, Steps = { new CreatePlanStepRequest { StepId = "a", Description = "d", Sequence = 0 }, new CreatePlanStepRequest { StepId = "..", Description = "d", Sequence = 1 } } },
            Key(), Deadline).ResponseAsync);

        var violation = error.GetRpcStatus()!.GetDetail<RequestViolations>()!.Violations.Single();
        Assert.Equal(["field:steps", "index:1", "field:step_id"],
            violation.Location.Select(s => s.SegmentCase == LocationSegment.SegmentOneofCase.Index ? $"index:{s.Index}" : $"field:{s.Field}"));
    }

    [Theory]
    [InlineData("missions.v1.RequestViolations", "missions/v1/errors.proto")]
    [InlineData("google.rpc.BadRequest", "google/rpc/error_details.proto")]
    [InlineData("google.rpc.RetryInfo", "google/rpc/error_details.proto")]
    [InlineData("google.rpc.Status", "google/rpc/status.proto")]
    [InlineData("missions.v1.MissionsService", "missions/v1/missions.proto")]
    public async Task Error_detail_types_are_served_through_reflection(string symbol, string file)
    {
        using var call = new ServerReflection.ServerReflectionClient(_app.GrpcChannel()).ServerReflectionInfo(deadline: Deadline);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = symbol });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes).Name).ToList();
        Assert.Contains(file, files); // with its imports, in no promised order
        Assert.False(await call.ResponseStream.MoveNext()); // the server sees the end of the requests and ends the call
    }
}
