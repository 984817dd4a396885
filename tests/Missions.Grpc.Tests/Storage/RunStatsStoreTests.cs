using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// Mission statistics on the assembly's backend (LiteDB, or PostgreSQL in the second suite): the window is the mission's
/// newest runs by creation, only the mission's own, the total its run counter; a mission of another organization, or
/// none, is not found. Runs days apart (a manual clock) make daily buckets, as the core decides them.
/// </summary>
public sealed class RunStatsStoreTests
{
    private const string Org = TestKeys.OrgA;
    private const string OtherOrg = TestKeys.OrgB;

    private static readonly DateTime Day0 = new(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc);

    private static async Task<Guid> MissionAsync(IStorageBackend backend, string organization = Org) =>
        Guid.Parse((await backend.Missions.CreateMissionAsync(new NewMission(organization, "stats", null, null, null, "external", null))).Id);

    /// <summary>A run started at the clock's time, then moved along <paramref name="path"/>, <paramref name="seconds"/> later.</summary>
    private static async Task<RunDocument> RunAsync(IStorageBackend backend, ManualClock clock, Guid missionId, double seconds, params string[] path)
    {
        var run = await backend.Runs.CreateRunAsync(Org, missionId, new NewRun(null, null));
        clock.Now += TimeSpan.FromSeconds(seconds);
        foreach (var status in path)
        {
            run = await backend.Runs.ChangeRunAsync(Org, missionId, Guid.Parse(run.Id), new RunChange(RunTransition.To(status)));
        }
        return run;
    }

    [Fact]
    public async Task The_window_is_the_missions_newest_runs_and_the_total_every_run_it_keeps()
    {
        var clock = new ManualClock(new DateTimeOffset(Day0));
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var mission = await MissionAsync(backend);
        var other = await MissionAsync(backend);

        var a = await RunAsync(backend, clock, mission, 90, RunStatus.Running, RunStatus.Succeeded);
        await RunAsync(backend, clock, other, 5, RunStatus.Failed); // another mission's: in neither
        clock.Now = new DateTimeOffset(Day0.AddDays(1).AddHours(3)); // March 2, 13:00
        var b = await RunAsync(backend, clock, mission, 30, RunStatus.Failed);
        clock.Now = new DateTimeOffset(Day0.AddDays(3).AddHours(-9.5)); // March 4, 00:30
        var c = await RunAsync(backend, clock, mission, 1);

        var all = await backend.Runs.GetRunStatsAsync(Org, mission, 200);
        var newest = await backend.Runs.GetRunStatsAsync(Org, mission, 2);

        Assert.Equal((mission.ToString(), 3L, 3), (all.MissionId, all.TotalRuns, all.WindowRuns));
        Assert.Equal((a.StartedAt, c.StartedAt), (all.WindowStart!.Value, all.WindowEnd!.Value));
        Assert.Equal([new(RunStatus.Pending, 1), new(RunStatus.Succeeded, 1), new RunStatsCount(RunStatus.Failed, 1)], all.StatusCounts);
        Assert.Equal(0.5, all.SuccessRate);
        static double Seconds(RunDocument run) => (run.FinishedAt!.Value - run.StartedAt).TotalSeconds;
        Assert.Equal((Seconds(b), Seconds(a)), (all.DurationP50Seconds!.Value, all.DurationP95Seconds!.Value)); // 30 s, 90 s and a ms (two changes at one clock time)
        Assert.InRange(Seconds(a), 90, 90.01);
        Assert.Equal(RunStatsBucketWidth.Day, all.Bucket);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => Day0.Date.AddDays(i)), all.Buckets.Select(x => x.Start));
        Assert.Equal([1, 1, 0, 1], all.Buckets.Select(x => x.StatusCounts.Sum(n => n.Count)));

        Assert.Equal((3L, 2), (newest.TotalRuns, newest.WindowRuns));
        Assert.Equal((b.StartedAt, c.StartedAt), (newest.WindowStart!.Value, newest.WindowEnd!.Value));
        Assert.Equal([new(RunStatus.Pending, 1), new RunStatsCount(RunStatus.Failed, 1)], newest.StatusCounts);
        Assert.Equal((30.0, 30.0), (newest.DurationP50Seconds!.Value, newest.DurationP95Seconds!.Value));
        Assert.Equal(30.0, Seconds(b));
        Assert.Equal(RunStatsBucketWidth.Hour, newest.Bucket); // 35.5 h apart: 36 aligned hours, March 2 13:00 to March 4 00:00
        Assert.Equal(36, newest.Buckets.Count);
        Assert.Equal(Day0.AddDays(1).AddHours(3), newest.Buckets[0].Start);
        Assert.Equal(0.0, newest.SuccessRate);
    }

    [Fact]
    public async Task A_mission_without_runs_has_a_total_of_zero_and_another_organizations_or_an_unknown_one_is_not_found()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        var mission = await MissionAsync(backend);
        var foreign = await MissionAsync(backend, OtherOrg);
        await backend.Runs.CreateRunAsync(OtherOrg, foreign, new NewRun(null, null));

        var empty = await backend.Runs.GetRunStatsAsync(Org, mission, 200);

        Assert.Equal((0L, 0), (empty.TotalRuns, empty.WindowRuns));
        Assert.Empty(empty.StatusCounts);
        Assert.Empty(empty.Buckets);
        Assert.Equal("Mission", (await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Runs.GetRunStatsAsync(Org, foreign, 200))).Resource);
        Assert.Equal("Mission", (await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Runs.GetRunStatsAsync(Org, Guid.CreateVersion7(), 200))).Resource);
        Assert.Equal(1, (await backend.Runs.GetRunStatsAsync(OtherOrg, foreign, 1)).TotalRuns);
    }

    [Fact]
    public async Task A_window_of_one_thousand_over_more_runs_reads_exactly_the_newest_thousand()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        var mission = await MissionAsync(backend);
        var runs = new List<RunDocument>();
        for (var i = 0; i < 1005; i += 67)
        {
            runs.AddRange(await Task.WhenAll(Enumerable.Range(i, Math.Min(67, 1005 - i))
                .Select(_ => backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null)))));
        }
        var oldest = runs.OrderBy(r => r.Id, StringComparer.Ordinal).Take(5).ToList();
        foreach (var run in oldest)
        {
            await backend.Runs.ChangeRunAsync(Org, mission, Guid.Parse(run.Id), RunChange.Cancel);
        }

        var stats = await backend.Runs.GetRunStatsAsync(Org, mission, 1000);

        Assert.Equal((1005L, 1000), (stats.TotalRuns, stats.WindowRuns));
        Assert.Equal([new RunStatsCount(RunStatus.Pending, 1000)], stats.StatusCounts); // the 5 cancelled are the oldest
        Assert.Null(stats.SuccessRate);
    }
}
