using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;
using EventType = Missions.Grpc.V1.RunEvent.Types.Type;
using StepStatus = Missions.Grpc.V1.PlanStep.Types.Status;

namespace Missions.Grpc.Tests.Functional.Runs;

/// <summary>Plans, events and agent links for native gRPC callers: statuses, details and metadata.</summary>
public sealed class RunRecordsGrpcTests : AppTest
{
    private async Task<(string MissionId, string RunId)> NewRunAsync()
    {
        var missionId = (await App.Grpc().CreateMissionAsync(new CreateMissionRequest { Name = "records" }, Key(), Deadline)).Data.MissionId;
        var runId = (await App.GrpcRuns().CreateRunAsync(new CreateRunRequest { MissionId = missionId }, Key(), Deadline)).Data.RunId;
        return (missionId, runId);
    }

    private static CreatePlanStepRequest Step(string id, int sequence, string? parent = null)
    {
        var step = new CreatePlanStepRequest { StepId = id, Description = $"step {id}", Sequence = sequence };
        if (parent is not null)
        {
            step.ParentStepId = parent;
        }
        return step;
    }

    [Fact]
    public async Task Plan_conflicts_and_bad_parents_carry_their_details()
    {
        var (missionId, runId) = await NewRunAsync();
        var plans = new RunPlansService.RunPlansServiceClient(App.GrpcChannel());
        var created = await plans.CreatePlanAsync(new CreatePlanRequest { MissionId = missionId, RunId = runId, Steps = { Step("a", 0) } }, Key(), Deadline);

        var duplicate = await Assert.ThrowsAsync<RpcException>(() => plans.AddPlanStepsAsync(
            new AddPlanStepsRequest { MissionId = missionId, RunId = runId, Steps = { Step("a", 1) } }, Key(), Deadline).ResponseAsync);
        var second = await Assert.ThrowsAsync<RpcException>(() => plans.CreatePlanAsync(
            new CreatePlanRequest { MissionId = missionId, RunId = runId, Steps = { Step("b", 1) } }, Key(), Deadline).ResponseAsync);
        var badParent = await Assert.ThrowsAsync<RpcException>(() => plans.AddPlanStepsAsync(
            new AddPlanStepsRequest { MissionId = missionId, RunId = runId, Steps = { Step("b", 1, "a"), Step("c", 2, "nowhere") } }, Key(), Deadline).ResponseAsync);
        var empty = await Assert.ThrowsAsync<RpcException>(() => plans.AddPlanStepsAsync(
            new AddPlanStepsRequest { MissionId = missionId, RunId = runId }, Key(), Deadline).ResponseAsync);

        Assert.Equal(0, created.Data[0].Sequence);
        Assert.Equal(StepStatus.Pending, created.Data[0].Status);
        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);
        var info = duplicate.GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        Assert.Equal(("DUPLICATE_STEP", "a"), (info.Reason, info.Metadata["step_id"]));
        Assert.Equal(StatusCode.FailedPrecondition, second.StatusCode);
        Assert.Equal("PLAN_EXISTS", second.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Equal(StatusCode.InvalidArgument, badParent.StatusCode);
        var violation = Assert.Single(badParent.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal(("steps[1].parent_step_id", "value_error"), (violation.Field, violation.Reason));
        Assert.Equal(["steps missing"], empty.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => $"{v.Field} {v.Reason}"));
        var plan = await plans.GetPlanAsync(new GetPlanRequest { MissionId = missionId, RunId = runId }, Key(), Deadline);
        Assert.Equal(["a"], plan.Data.Select(s => s.StepId));
    }

    [Fact]
    public async Task A_replayed_event_is_marked_in_the_response_headers()
    {
        var (missionId, runId) = await NewRunAsync();
        var events = new RunEventsService.RunEventsServiceClient(App.GrpcChannel());
        var request = new LogEventRequest
        {
            MissionId = missionId,
            RunId = runId,
            Type = EventType.ToolCall,
            Summary = "lookup",
            IdempotencyKey = "once",
            Payload = Struct.Parser.ParseJson("""{"q":"x"}"""),
        };

        using var first = events.LogEventAsync(request, Key(), Deadline);
        var firstEvent = await first.ResponseAsync;
        using var retry = events.LogEventAsync(request, Key(), Deadline);
        var retried = await retry.ResponseAsync;
        request.Summary = "changed";
        var conflict = await Assert.ThrowsAsync<RpcException>(() => events.LogEventAsync(request, Key(), Deadline).ResponseAsync);

        Assert.Null((await first.ResponseHeadersAsync).GetValue("idempotent-replayed"));
        Assert.Equal("true", (await retry.ResponseHeadersAsync).GetValue("idempotent-replayed"));
        Assert.Equal(firstEvent, retried);
        Assert.Equal(StatusCode.FailedPrecondition, conflict.StatusCode);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", conflict.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => events.GetEventAsync(
            new GetEventRequest { MissionId = missionId, RunId = runId, EventId = "nope" }, Key(), Deadline).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "Event not found"), (unknown.StatusCode, unknown.Status.Detail));
    }

    [Fact]
    public async Task Agent_links_are_already_exists_and_not_found_where_rest_says_409_and_404()
    {
        var (missionId, runId) = await NewRunAsync();
        var agents = new RunTelnyxAgentsService.RunTelnyxAgentsServiceClient(App.GrpcChannel());
        var link = new LinkTelnyxAgentRequest { MissionId = missionId, RunId = runId, TelnyxAgentId = "agent-7" };

        var linked = await agents.LinkTelnyxAgentAsync(link, Key(), Deadline);
        var again = await Assert.ThrowsAsync<RpcException>(() => agents.LinkTelnyxAgentAsync(link, Key(), Deadline).ResponseAsync);
        await agents.UnlinkTelnyxAgentAsync(new UnlinkTelnyxAgentRequest { MissionId = missionId, RunId = runId, TelnyxAgentId = "agent-7" }, Key(), Deadline);
        var gone = await Assert.ThrowsAsync<RpcException>(() => agents.UnlinkTelnyxAgentAsync(
            new UnlinkTelnyxAgentRequest { MissionId = missionId, RunId = runId, TelnyxAgentId = "agent-7" }, Key(), Deadline).ResponseAsync);

        Assert.Equal("agent-7", linked.Data.TelnyxAgentId);
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        Assert.Equal((StatusCode.NotFound, "Telnyx agent link not found"), (gone.StatusCode, gone.Status.Detail));
        Assert.Empty((await agents.ListTelnyxAgentsAsync(new ListTelnyxAgentsRequest { MissionId = missionId, RunId = runId }, Key(), Deadline)).Data);
    }
}
