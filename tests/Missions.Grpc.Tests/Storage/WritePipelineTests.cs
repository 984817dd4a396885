using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// The one write pipeline, on the assembly's backend (LiteDB, or PostgreSQL in the second suite): commands of one batch
/// decide in turn on what the ones before them did, a refused command (or one that throws) fails alone while its batch
/// commits, counters follow the rows, and a delete takes along what the same batch added under it.
/// </summary>
public sealed class WritePipelineTests
{
    private const string Org = TestKeys.OrgA;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Counts +1 on a counter and answers what the batch sees then; refuses, or throws, when asked to (after counting).</summary>
    private sealed class Count(string counter, string? failure = null) : WriteCommand<int>
    {
        public override string Operation => "Count";

        public override string? Organization => null;

        public override void Declare(BatchNeeds needs) => needs.Counters.Add(counter);

        public override Outcome<int> Execute(BatchState batch)
        {
            batch.Count(+1, [counter]);
            return failure switch
            {
                "refuse" => Outcome<int>.Fail(new ConflictException("refused on purpose", "TEST_REFUSAL")),
                "throw" => throw new InvalidOperationException("a defect"),
                _ => batch.Counter(counter),
            };
        }
    }

    [Fact]
    public async Task A_refused_command_and_one_that_throws_fail_alone_and_the_rest_of_their_batch_commits_seeing_only_each_other()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        var pipeline = PipelineBatches.Of(backend);
        const string counter = "test-counter";

        for (var round = 1; round <= 3; round++)
        {
            var tasks = await PipelineBatches.OneBatchAsync(pipeline, Enumerable.Range(0, 10).Select(i => new Count(counter, i switch { 3 => "refuse", 6 => "throw", _ => null })));
            await Assert.ThrowsAsync<ConflictException>(() => tasks[3].WaitAsync(Timeout));
            await Assert.ThrowsAsync<InvalidOperationException>(() => tasks[6].WaitAsync(Timeout));
            var seen = new List<int>();
            foreach (var task in tasks.Where((_, i) => i is not 3 and not 6))
            {
                seen.Add(await task.WaitAsync(Timeout));
            }
            // Each saw the committed count plus its batch mates' before it — not the refused ones'.
            Assert.Equal(Enumerable.Range(8 * (round - 1) + 1, 8), seen);
        }
        Assert.Equal(24, await pipeline.ExecuteAsync(new Count(counter), null, CancellationToken.None) - 1);
    }

    [Fact]
    public async Task Commands_of_one_batch_decide_on_what_the_ones_before_them_did()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        var pipeline = PipelineBatches.Of(backend);
        var mission = Guid.Parse((await backend.Missions.CreateMissionAsync(new NewMission(Org, "m", null, null, null, "external", null))).Id);
        var run = Guid.Parse((await backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id);

        // Running, paused, a second pause refused (it is paused by now), resumed, succeeded: right only when each decides
        // on the run as the one before it left it.
        var tasks = await PipelineBatches.OneBatchAsync(pipeline, new WriteCommand<RunDocument>[]
        {
            new Missions.Grpc.Storage.Writing.Commands.ChangeRun(Org, mission, run, new RunChange(RunTransition.To(RunStatus.Running))),
            new Missions.Grpc.Storage.Writing.Commands.ChangeRun(Org, mission, run, RunChange.Pause),
            new Missions.Grpc.Storage.Writing.Commands.ChangeRun(Org, mission, run, RunChange.Pause), // already paused: refused
            new Missions.Grpc.Storage.Writing.Commands.ChangeRun(Org, mission, run, RunChange.Resume),
            new Missions.Grpc.Storage.Writing.Commands.ChangeRun(Org, mission, run, new RunChange(RunTransition.To(RunStatus.Succeeded))),
        });
        Assert.Equal(RunStatus.Running, (await tasks[0].WaitAsync(Timeout)).Status);
        Assert.Equal(RunStatus.Paused, (await tasks[1].WaitAsync(Timeout)).Status);
        var refused = await Assert.ThrowsAsync<ConflictException>(() => tasks[2].WaitAsync(Timeout));
        Assert.Equal("paused", refused.Facts["current_status"]);
        Assert.Equal(RunStatus.Running, (await tasks[3].WaitAsync(Timeout)).Status);
        var done = await tasks[4].WaitAsync(Timeout);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.NotNull(done.FinishedAt);

        Assert.Equal(RunStatus.Succeeded, (await backend.Runs.GetRunAsync(Org, mission, run)).Status);
        Assert.Equal(1, (await backend.Runs.ListRunsAsync(Org, new RunFilter(Status: RunStatus.Succeeded), 0, 10)).TotalResults);
        foreach (var other in RunStatus.All.Where(s => s != RunStatus.Succeeded))
        {
            Assert.Equal(0, (await backend.Runs.ListRunsAsync(Org, new RunFilter(Status: other), 0, 10)).TotalResults);
        }
    }

    [Fact]
    public async Task A_delete_takes_along_what_its_own_batch_added_under_the_mission_and_every_count_goes_with_it()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        var pipeline = PipelineBatches.Of(backend);
        var mission = Guid.Parse((await backend.Missions.CreateMissionAsync(new NewMission(Org, "doomed", null, null, null, "external", null))).Id);
        var run = Guid.Parse((await backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id);
        await backend.Events.LogEventAsync(Org, mission, run, new NewEvent("message", "before", "s1", null, null, null));
        await backend.Plans.AddStepsAsync(Org, mission, run, [new NewStep("s1", "step", 0, null, null)], initialPlan: true);
        var keep = Guid.Parse((await backend.Missions.CreateMissionAsync(new NewMission(Org, "kept", null, null, null, "external", null))).Id);

        var tasks = await PipelineBatches.OneBatchAsync<object>(pipeline, new WriteCommand<object>[]
        {
            new As<RunDocument>(new Missions.Grpc.Storage.Writing.Commands.CreateRun(Org, mission, new NewRun(null, null))),
            new As<LoggedEvent>(new Missions.Grpc.Storage.Writing.Commands.LogEvent(Org, mission, run, new NewEvent("tool_call", "in the batch", "s1", "a1", "k1", null))),
            new As<IReadOnlyList<StepDocument>>(new Missions.Grpc.Storage.Writing.Commands.AddSteps(Org, mission, run, [new NewStep("s2", "step", 1, "s1", null)], initialPlan: false)),
            new As<bool>(new Missions.Grpc.Storage.Writing.Commands.DeleteMission(Org, mission)),
            new As<RunDocument>(new Missions.Grpc.Storage.Writing.Commands.CreateRun(Org, mission, new NewRun(null, null))), // after the delete: not found
            new As<RunDocument>(new Missions.Grpc.Storage.Writing.Commands.CreateRun(Org, keep, new NewRun(null, null))),
        });
        foreach (var task in tasks.Take(4).Append(tasks[5]))
        {
            await task.WaitAsync(Timeout);
        }
        Assert.Equal("Mission", (await Assert.ThrowsAsync<ResourceNotFoundException>(() => tasks[4].WaitAsync(Timeout))).Resource);

        Assert.Equal(1, (await backend.Missions.ListMissionsAsync(Org, 0, 10)).TotalResults);
        var runs = await backend.Runs.ListRunsAsync(Org, new RunFilter(), 0, 10);
        Assert.Equal(1, runs.TotalResults);
        Assert.Equal(keep.ToString(), Assert.Single(runs.Items).MissionId);
        Assert.Equal(1, (await backend.Runs.ListRunsAsync(Org, new RunFilter(Status: RunStatus.Pending), 0, 10)).TotalResults);
        Assert.Equal(0, (await backend.Events.ListRecentEventsAsync(Org, null, 0, 10)).TotalResults);
        Assert.Equal(0, (await backend.Events.ListRecentEventsAsync(Org, "tool_call", 0, 10)).TotalResults);
        Assert.Equal("Mission", (await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Runs.GetRunAsync(Org, mission, run))).Resource);
    }

    /// <summary>A command of another result type, as an object (one batch of mixed commands).</summary>
    private sealed class As<T>(WriteCommand<T> command) : WriteCommand<object>
    {
        public override string Operation => command.Operation;

        public override string? Organization => command.Organization;

        public override IEnumerable<Quota> Quotas(QuotaOptions quotas) => command.Quotas(quotas);

        public override void Declare(BatchNeeds needs) => command.Declare(needs);

        public override Outcome<object> Execute(BatchState batch)
        {
            var outcome = command.Execute(batch);
            return outcome.Failed ? Outcome<object>.Fail(outcome.Error!) : Outcome<object>.From(outcome.Value!);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_key_stored_again_in_the_batch_that_purges_its_expired_record_keeps_its_new_record_and_is_counted_once(bool purgeFirst)
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var pipeline = PipelineBatches.Of(backend);
        IdempotencyScope Keyed(string fingerprint) => new(Org, "reused-key", fingerprint, TimeSpan.FromHours(1));
        await backend.Missions.CreateMissionAsync(new NewMission(Org, "first", null, null, null, "external", null), Keyed("first request"));
        clock.Now += TimeSpan.FromHours(2); // the first record expired

        // One batch: the purge that removes the expired record, and a new request under the same key (either order).
        var release = await PipelineBatches.HoldAsync(pipeline);
        Task<int>? purge = purgeFirst ? pipeline.ExecuteAsync(new Missions.Grpc.Storage.Writing.Commands.PurgeExpiredKeys(clock.Now.UtcDateTime, 10), null, CancellationToken.None) : null;
        var again = backend.Missions.CreateMissionAsync(new NewMission(Org, "second", null, null, null, "external", null), Keyed("second request"));
        purge ??= pipeline.ExecuteAsync(new Missions.Grpc.Storage.Writing.Commands.PurgeExpiredKeys(clock.Now.UtcDateTime, 10), null, CancellationToken.None);
        await release();
        var created = await again.WaitAsync(Timeout);
        await purge.WaitAsync(Timeout);

        Assert.Equal(1, await backend.IdempotencyKeys.CountAsync()); // one key, one record
        var retry = Keyed("second request");
        var replayed = await backend.Missions.CreateMissionAsync(new NewMission(Org, "second", null, null, null, "external", null), retry);
        Assert.True(retry.Replayed); // the new record survived the purge of the old one
        Assert.Equal(created.Id, replayed.Id);
        Assert.Equal(2, (await backend.Missions.ListMissionsAsync(Org, 0, 10)).TotalResults);
    }
}
