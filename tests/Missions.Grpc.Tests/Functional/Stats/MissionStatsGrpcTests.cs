using System.Net;
using Google.Rpc;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;
using Bucket = Missions.Grpc.V1.MissionStats.Types.BucketWidth;
using RunStatus = Missions.Grpc.V1.MissionRun.Types.Status;

namespace Missions.Grpc.Tests.Functional.Stats;

/// <summary>
/// Mission statistics for native gRPC callers (<c>MissionRunsService/GetMissionStats</c>): figures from the runs the
/// API returns, the window of the newest runs, the same answer as REST, NOT_FOUND and INVALID_ARGUMENT.
/// </summary>
public sealed class MissionStatsGrpcTests : AppTest
{
    private MissionRunsService.MissionRunsServiceClient Runs => field ??= App.GrpcRuns();

    private async Task<string> MissionAsync(string key = TestKeys.KeyA) =>
        (await App.Grpc().CreateMissionAsync(new CreateMissionRequest { Name = "grpc stats" }, Key(key), Deadline)).Data.MissionId;

    private async Task<MissionRun> RunAsync(string missionId, params RunStatus[] path)
    {
        var run = (await Runs.CreateRunAsync(new CreateRunRequest { MissionId = missionId }, Key(), Deadline)).Data;
        foreach (var status in path)
        {
            run = (await Runs.UpdateRunAsync(new UpdateRunRequest { MissionId = missionId, RunId = run.RunId, Status = status }, Key(), Deadline)).Data;
        }
        return run;
    }

    private Task<MissionStatsResponse> StatsAsync(GetMissionStatsRequest request, string key = TestKeys.KeyA) =>
        Runs.GetMissionStatsAsync(request, Key(key), Deadline).ResponseAsync;

    [Fact]
    public async Task Stats_count_the_runs_as_returned_and_rest_answers_the_same()
    {
        var missionId = await MissionAsync();
        var runs = new List<MissionRun>
        {
            await RunAsync(missionId, RunStatus.Running, RunStatus.Succeeded),
            await RunAsync(missionId, RunStatus.Failed),
            await RunAsync(missionId, RunStatus.Cancelled),
            await RunAsync(missionId, RunStatus.Running, RunStatus.Succeeded),
            await RunAsync(missionId, RunStatus.Running),
            await RunAsync(missionId),
        };

        var stats = (await StatsAsync(new GetMissionStatsRequest { MissionId = missionId })).Data;

        Assert.Equal(missionId, stats.MissionId);
        Assert.Equal(6, stats.TotalRuns);
        Assert.Equal(6, stats.WindowRuns);
        Assert.Equal(
            [(RunStatus.Pending, 1), (RunStatus.Running, 1), (RunStatus.Succeeded, 2), (RunStatus.Failed, 1), (RunStatus.Cancelled, 1)],
            stats.StatusCounts.Select(c => (c.Status, c.Count)));
        Assert.True(stats.HasSuccessRate);
        Assert.Equal(2.0 / 4, stats.SuccessRate);
        var durations = runs.Where(r => r.FinishedAt is not null)
            .Select(r => (r.FinishedAt.ToDateTime() - r.StartedAt.ToDateTime()).TotalSeconds).Order().ToList();
        Assert.Equal(durations[(int)Math.Ceiling(0.5 * durations.Count) - 1], stats.DurationP50Seconds, 9);
        Assert.Equal(durations[^1], stats.DurationP95Seconds, 9);
        Assert.Equal(runs.Min(r => r.StartedAt), stats.WindowStart);
        Assert.Equal(runs.Max(r => r.StartedAt), stats.WindowEnd);
        Assert.Equal(Bucket.Hour, stats.Bucket);
        Assert.Equal(6, stats.Buckets.Sum(b => b.StatusCounts.Sum(c => c.Count)));

        var (status, json, _) = await App.Rest().SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/stats");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(stats, MissionStatsResponse.Parser.ParseJson(json!.ToJsonString()).Data);
    }

    [Fact]
    public async Task A_window_takes_the_newest_runs_and_no_runs_means_zeros_and_hourly()
    {
        var missionId = await MissionAsync();
        var empty = (await StatsAsync(new GetMissionStatsRequest { MissionId = missionId })).Data;
        await RunAsync(missionId, RunStatus.Running, RunStatus.Succeeded);
        await RunAsync(missionId, RunStatus.Failed);
        var newest = await RunAsync(missionId);

        var one = (await StatsAsync(new GetMissionStatsRequest { MissionId = missionId, Window = 1 })).Data;

        Assert.Equal(new MissionStats { MissionId = missionId, Bucket = Bucket.Hour }, empty);
        Assert.False(empty.HasSuccessRate || empty.HasDurationP50Seconds || empty.HasDurationP95Seconds);
        Assert.Equal((3L, 1), (one.TotalRuns, one.WindowRuns));
        Assert.Equal((RunStatus.Pending, 1), one.StatusCounts.Select(c => (c.Status, c.Count)).Single());
        Assert.Equal((newest.StartedAt, newest.StartedAt), (one.WindowStart, one.WindowEnd));
        Assert.False(one.HasSuccessRate);
    }

    [Fact]
    public async Task Another_organizations_mission_is_not_found()
    {
        var missionId = await MissionAsync();
        await RunAsync(missionId, RunStatus.Failed);

        var other = await Assert.ThrowsAsync<RpcException>(() => StatsAsync(new GetMissionStatsRequest { MissionId = missionId }, TestKeys.KeyB));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => StatsAsync(new GetMissionStatsRequest { MissionId = Guid.CreateVersion7().ToString() }));

        Assert.Equal((StatusCode.NotFound, "Mission not found"), (other.StatusCode, other.Status.Detail));
        Assert.Equal((StatusCode.NotFound, "Mission not found"), (unknown.StatusCode, unknown.Status.Detail));
    }

    [Theory]
    [InlineData(0, "greater_than")]
    [InlineData(1001, "less_than_equal")]
    [InlineData(int.MinValue, "greater_than")]
    public async Task A_window_outside_1_to_1000_or_a_malformed_id_is_invalid_argument(int window, string reason)
    {
        var missionId = await MissionAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => StatsAsync(new GetMissionStatsRequest { MissionId = missionId, Window = window }));
        var malformed = await Assert.ThrowsAsync<RpcException>(() => StatsAsync(new GetMissionStatsRequest { MissionId = "nope" }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal([$"window {reason}"], error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => $"{v.Field} {v.Reason}"));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Equal(["mission_id uuid_parsing"], malformed.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => $"{v.Field} {v.Reason}"));
    }
}
