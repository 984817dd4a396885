using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;
using RunStatus = Missions.Grpc.V1.MissionRun.Types.Status;

namespace Missions.Grpc.Tests.Functional.Runs;

/// <summary>Runs for native gRPC callers: the lifecycle, its refusals, not-found, validation and races.</summary>
public sealed class RunsGrpcTests : AppTest
{
    private MissionRunsService.MissionRunsServiceClient Runs => field ??= App.GrpcRuns();

    private async Task<string> MissionAsync(string key = TestKeys.KeyA) =>
        (await App.Grpc().CreateMissionAsync(new CreateMissionRequest { Name = "grpc runs" }, Key(key), Deadline)).Data.MissionId;

    private async Task<MissionRun> StartAsync(string missionId) =>
        (await Runs.CreateRunAsync(new CreateRunRequest { MissionId = missionId }, Key(), Deadline)).Data;

    [Fact]
    public async Task A_run_is_driven_pending_running_paused_running_succeeded()
    {
        var missionId = await MissionAsync();
        var run = (await Runs.CreateRunAsync(new CreateRunRequest
        {
            MissionId = missionId,
            Input = Struct.Parser.ParseJson("""{"objective":"triage"}"""),
        }, Key(), Deadline)).Data;
        Assert.Equal(RunStatus.Pending, run.Status);
        Assert.Equal(run.StartedAt, run.UpdatedAt);
        Assert.Null(run.FinishedAt);

        var running = (await Runs.UpdateRunAsync(new UpdateRunRequest { MissionId = missionId, RunId = run.RunId, Status = RunStatus.Running }, Key(), Deadline)).Data;
        var paused = (await Runs.PauseRunAsync(new PauseRunRequest { MissionId = missionId, RunId = run.RunId }, Key(), Deadline)).Data;
        var resumed = (await Runs.ResumeRunAsync(new ResumeRunRequest { MissionId = missionId, RunId = run.RunId }, Key(), Deadline)).Data;
        var succeeded = (await Runs.UpdateRunAsync(new UpdateRunRequest
        {
            MissionId = missionId,
            RunId = run.RunId,
            Status = RunStatus.Succeeded,
            ResultSummary = "done",
            ResultPayload = Struct.Parser.ParseJson("""{"records":24}"""),
        }, Key(), Deadline)).Data;

        Assert.Equal([RunStatus.Running, RunStatus.Paused, RunStatus.Running, RunStatus.Succeeded],
            new[] { running, paused, resumed, succeeded }.Select(r => r.Status));
        Assert.All(new[] { running, paused, resumed }, r => Assert.Null(r.FinishedAt));
        Assert.Equal(succeeded.UpdatedAt, succeeded.FinishedAt);
        Assert.Equal(run.StartedAt, succeeded.StartedAt);
        Assert.Equal("done", succeeded.ResultSummary);
        Assert.Equal("triage", succeeded.Input.Fields["objective"].StringValue);
        var got = (await Runs.GetRunAsync(new GetRunRequest { MissionId = missionId, RunId = run.RunId }, Key(), Deadline)).Data;
        Assert.Equal(succeeded, got);
    }

    [Fact]
    public async Task An_illegal_transition_is_failed_precondition_with_the_statuses_as_error_info()
    {
        var missionId = await MissionAsync();
        var run = await StartAsync(missionId);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Runs.ResumeRunAsync(new ResumeRunRequest { MissionId = missionId, RunId = run.RunId }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("Cannot resume a run whose status is 'pending': resume moves a run from 'paused' to 'running'", error.Status.Detail);
        var info = error.GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        Assert.Equal("RUN_STATUS_CONFLICT", info.Reason);
        Assert.Equal("missions.v1", info.Domain);
        Assert.Equal("pending", info.Metadata["current_status"]);
        Assert.Equal("running", info.Metadata["requested_status"]);
    }

    [Fact]
    public async Task Runs_of_other_missions_and_organizations_are_not_found()
    {
        var missionId = await MissionAsync();
        var other = await MissionAsync();
        var run = await StartAsync(missionId);

        var underOther = await Assert.ThrowsAsync<RpcException>(() =>
            Runs.CancelRunAsync(new CancelRunRequest { MissionId = other, RunId = run.RunId }, Key(), Deadline).ResponseAsync);
        var otherOrg = await Assert.ThrowsAsync<RpcException>(() =>
            Runs.GetRunAsync(new GetRunRequest { MissionId = missionId, RunId = run.RunId }, Key(TestKeys.KeyB), Deadline).ResponseAsync);
        var listOtherOrg = await Runs.ListRecentRunsAsync(new ListRecentRunsRequest(), Key(TestKeys.KeyB), Deadline);

        Assert.Equal((StatusCode.NotFound, "Run not found"), (underOther.StatusCode, underOther.Status.Detail));
        Assert.Equal((StatusCode.NotFound, "Mission not found"), (otherOrg.StatusCode, otherOrg.Status.Detail));
        Assert.Empty(listOtherOrg.Data);
    }

    [Fact]
    public async Task Malformed_ids_and_an_unset_status_are_invalid_argument()
    {
        var missionId = await MissionAsync();
        var run = await StartAsync(missionId);

        var badIds = await Assert.ThrowsAsync<RpcException>(() =>
            Runs.GetRunAsync(new GetRunRequest { MissionId = "x", RunId = "y" }, Key(), Deadline).ResponseAsync);
        var unsetStatus = await Assert.ThrowsAsync<RpcException>(() => Runs.UpdateRunAsync(
            new UpdateRunRequest { MissionId = missionId, RunId = run.RunId, Status = RunStatus.Unspecified }, Key(), Deadline).ResponseAsync);
        var unknownFilter = await Assert.ThrowsAsync<RpcException>(() => Runs.ListRunsAsync(
            new ListRunsRequest { MissionId = missionId, Status = (RunStatus)42 }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, badIds.StatusCode);
        Assert.Equal(["mission_id uuid_parsing", "run_id uuid_parsing"],
            badIds.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => $"{v.Field} {v.Reason}"));
        Assert.Equal(["status enum"], unsetStatus.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => $"{v.Field} {v.Reason}"));
        Assert.Equal(["status enum"], unknownFilter.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => $"{v.Field} {v.Reason}"));
    }

    [Fact]
    public async Task Lists_filter_by_status_newest_first()
    {
        var missionId = await MissionAsync();
        var runs = new List<MissionRun>();
        for (var i = 0; i < 4; i++)
        {
            runs.Add(await StartAsync(missionId));
        }
        await Runs.CancelRunAsync(new CancelRunRequest { MissionId = missionId, RunId = runs[1].RunId }, Key(), Deadline);
        await Runs.CancelRunAsync(new CancelRunRequest { MissionId = missionId, RunId = runs[3].RunId }, Key(), Deadline);

        var cancelled = await Runs.ListRunsAsync(new ListRunsRequest { MissionId = missionId, Status = RunStatus.Cancelled }, Key(), Deadline);
        var pending = await Runs.ListRecentRunsAsync(new ListRecentRunsRequest
        {
            Status = RunStatus.Pending,
            Page = new PageRequest { Size = 1, Number = 2 },
        }, Key(), Deadline);

        Assert.Equal([runs[3].RunId, runs[1].RunId], cancelled.Data.Select(r => r.RunId));
        Assert.All(cancelled.Data, r => Assert.NotNull(r.FinishedAt));
        Assert.Equal([runs[0].RunId], pending.Data.Select(r => r.RunId));
        Assert.Equal(new PageMeta { PageNumber = 2, PageSize = 1, TotalPages = 2, TotalResults = 2 }, pending.Meta);
    }

    [Fact]
    public async Task Of_concurrent_pauses_exactly_one_wins()
    {
        var missionId = await MissionAsync();
        var run = await StartAsync(missionId);
        await Runs.UpdateRunAsync(new UpdateRunRequest { MissionId = missionId, RunId = run.RunId, Status = RunStatus.Running }, Key(), Deadline);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(async _ =>
        {
            try
            {
                await Runs.PauseRunAsync(new PauseRunRequest { MissionId = missionId, RunId = run.RunId }, Key(), Deadline);
                return StatusCode.OK;
            }
            catch (RpcException error)
            {
                return error.StatusCode;
            }
        }));

        Assert.Single(outcomes, o => o == StatusCode.OK);
        Assert.Equal(23, outcomes.Count(o => o == StatusCode.FailedPrecondition));
    }
}
