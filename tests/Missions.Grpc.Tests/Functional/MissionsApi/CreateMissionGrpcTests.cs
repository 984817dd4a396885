using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;
using ExecutionMode = Missions.Grpc.V1.Mission.Types.ExecutionMode;

namespace Missions.Grpc.Tests.Functional.MissionsApi;

/// <summary>CreateMission as a native gRPC caller sees it: messages, status codes and details.</summary>
public sealed class CreateMissionGrpcTests : AppTest
{
    private MissionsService.MissionsServiceClient Client => field ??= App.Grpc();

    [Fact]
    public async Task Create_returns_the_stored_mission()
    {
        var metadata = Struct.Parser.ParseJson("""{"team":"ops","list":[1,"a",null,{"b":true}]}""");
        var response = await Client.CreateMissionAsync(
            new CreateMissionRequest { Name = "Outbound survey", Model = "gpt-4o", ExecutionMode = ExecutionMode.Managed, Metadata = metadata },
            Key(), Deadline);

        var mission = response.Data;
        Assert.True(Guid.TryParse(mission.MissionId, out var id));
        Assert.Equal(7, id.Version);
        Assert.Equal("Outbound survey", mission.Name);
        Assert.Equal("gpt-4o", mission.Model);
        Assert.False(mission.HasDescription);
        Assert.False(mission.HasInstructions);
        Assert.Equal(ExecutionMode.Managed, mission.ExecutionMode);
        Assert.Equal(metadata, mission.Metadata);
        Assert.Equal(mission.CreatedAt, mission.UpdatedAt);

        var stored = await App.Store.GetMissionAsync(TestKeys.OrgA, id);
        Assert.NotNull(stored);
        Assert.Equal("Outbound survey", stored.Name);
    }

    [Fact]
    public async Task Unspecified_execution_mode_means_external()
    {
        var response = await Client.CreateMissionAsync(
            new CreateMissionRequest { Name = "x", ExecutionMode = ExecutionMode.Unspecified }, Key(), Deadline);
        Assert.Equal(ExecutionMode.External, response.Data.ExecutionMode);
    }

    [Fact]
    public async Task Missing_name_is_invalid_argument_with_a_field_violation()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateMissionAsync(new CreateMissionRequest { Description = "no name" }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(BadRequestOf(error).FieldViolations);
        Assert.Equal("name", violation.Field);
        Assert.Equal("missing", violation.Reason);
        Assert.Equal("Field required", violation.Description);
    }

    [Fact]
    public async Task Every_rule_the_rest_face_enforces_holds_for_grpc_too()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateMissionAsync(
            new CreateMissionRequest
            {
                Name = new string('n', 257),
                Model = new string('m', 257),
                ExecutionMode = (ExecutionMode)7,
            }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = BadRequestOf(error).FieldViolations
            .Select(v => $"{v.Field} {v.Reason} {v.Description}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(
        [
            "execution_mode enum Input should be 'external' or 'managed'",
            "model string_too_long String should have at most 256 characters",
            "name string_too_long String should have at most 256 characters",
        ], violations);
    }

    [Fact]
    public async Task Metadata_nested_too_deep_is_invalid_argument()
    {
        var deep = NestedStruct(33); // over our limit of 32, within protobuf's parser limit
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateMissionAsync(
            new CreateMissionRequest { Name = "x", Metadata = deep }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(BadRequestOf(error).FieldViolations);
        Assert.Equal("metadata", violation.Field);
        Assert.Equal("value_error", violation.Reason);
    }

    [Fact]
    public async Task Metadata_nested_past_protobufs_parser_limit_is_invalid_argument_not_unknown()
    {
        var deep = NestedStruct(61);
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateMissionAsync(
            new CreateMissionRequest { Name = "x", Metadata = deep }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("could not be parsed", error.Status.Detail);
    }

    [Theory]
    [InlineData("no kind")]
    [InlineData("NaN")]
    [InlineData("infinity")]
    [InlineData("empty key")]
    public async Task Metadata_json_cannot_carry_is_invalid_argument_not_internal(string problem)
    {
        var metadata = new Struct();
        switch (problem)
        {
            case "no kind":
                metadata.Fields["k"] = new Value();
                break;
            case "NaN":
                metadata.Fields["k"] = Value.ForNumber(double.NaN);
                break;
            case "infinity":
                metadata.Fields["k"] = Value.ForList(Value.ForNumber(double.PositiveInfinity));
                break;
            default:
                metadata.Fields[""] = Value.ForNull();
                break;
        }
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateMissionAsync(
            new CreateMissionRequest { Name = "x", Metadata = metadata }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(BadRequestOf(error).FieldViolations);
        Assert.Equal("metadata", violation.Field);
        Assert.Equal("value_error", violation.Reason);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_resource_exhausted()
    {
        var metadata = new Struct { Fields = { ["blob"] = Value.ForString(new string('b', 1024 * 1024)) } };
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateMissionAsync(
            new CreateMissionRequest { Name = "x", Metadata = metadata }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task A_payload_that_is_not_protobuf_is_invalid_argument()
    {
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "missions.v1.MissionsService", "CreateMission",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var invoker = App.GrpcChannel().CreateCallInvoker();
        var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(
            raw, null, new CallOptions(Key(), Deadline), [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Missing_or_unknown_key_is_unauthenticated()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateMissionAsync(new CreateMissionRequest { Name = "x" }, deadline: Deadline).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);

        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateMissionAsync(new CreateMissionRequest { Name = "x" }, Key("nope"), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        Assert.Equal("Invalid API key", unknown.Status.Detail);
    }

    /// <summary>{"a":{"a":...{}}} with <paramref name="levels"/> objects.</summary>
    private static Struct NestedStruct(int levels)
    {
        var root = new Struct();
        var current = root;
        for (var i = 1; i < levels; i++)
        {
            var child = new Struct();
            current.Fields["a"] = Value.ForStruct(child);
            current = child;
        }
        return root;
    }

    private static BadRequest BadRequestOf(RpcException error)
    {
        var status = error.GetRpcStatus();
        Assert.NotNull(status);
        var badRequest = status.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        return badRequest;
    }
}
