using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Tests.Storage;

/// <summary>The storage core's rules on their own: input → decision, no backend.</summary>
public sealed class StoreRulesTests
{
    private static readonly DateTime T0 = new(2026, 1, 2, 3, 4, 5, 6, DateTimeKind.Utc);

    private static RunDocument Run(string status = RunStatus.Running) =>
        RunRules.Start("org", Guid.NewGuid().ToString(), new NewRun(null, null), Guid.NewGuid().ToString(), T0) with { Status = status };

    private static StoreClock Clock(DateTime now) => new(new FrozenTime(new DateTimeOffset(now)));

    private sealed class FrozenTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void A_run_change_moves_updated_at_only_when_a_value_changes_and_stamps_finished_at_on_a_final_status()
    {
        var running = Run();
        var clock = Clock(T0); // the clock has not moved: updated_at still grows by a millisecond

        var same = RunRules.Apply(running, new RunChange(RunTransition.To(RunStatus.Running)), clock).Unwrap();
        var summary = RunRules.Apply(running, new RunChange(ResultSummary: "s"), clock).Unwrap();
        var done = RunRules.Apply(running, new RunChange(RunTransition.To(RunStatus.Succeeded)), clock).Unwrap();

        Assert.False(same.Changed);
        Assert.Same(running, same.Run);
        Assert.True(summary.Changed);
        Assert.Equal(T0.AddMilliseconds(1), summary.Run.UpdatedAt);
        Assert.Null(summary.Run.FinishedAt);
        Assert.Equal(RunStatus.Succeeded, done.Run.Status);
        Assert.Equal(done.Run.UpdatedAt, done.Run.FinishedAt);
    }

    [Fact]
    public void A_refused_transition_is_a_conflict_naming_both_statuses()
    {
        var refused = RunRules.Apply(Run(RunStatus.Paused), RunChange.Pause, Clock(T0));

        var conflict = Assert.IsType<ConflictException>(refused.Error);
        Assert.Equal("RUN_STATUS_CONFLICT", conflict.Reason);
        Assert.Equal(RunStatus.Paused, conflict.Facts["current_status"]);
        Assert.Equal(RunStatus.Paused, conflict.Facts["requested_status"]);
    }

    [Fact]
    public void Plan_references_are_all_reported_before_conflicts()
    {
        NewStep Step(string id, string? parent = null) => new(id, "d", 1, parent, null);
        var decided = PlanRules.Add("run", [Step("a", "a"), Step("b", "nowhere"), Step("c", "d"), Step("d", "c"), Step("a")], initialPlan: true,
            existing: 3, stored: _ => false);

        var invalid = Assert.IsType<InvalidReferenceException>(decided.Error);
        Assert.Equal([0, 1, 2, 3], invalid.References.Select(r => (int)r.Path[1]));
    }

    [Theory]
    [InlineData(true, 2, false, "PLAN_EXISTS")]
    [InlineData(false, 0, true, "DUPLICATE_STEP")]
    [InlineData(false, PlanRules.MaxStepsPerRun, false, "PLAN_FULL")]
    [InlineData(false, PlanRules.MaxStepsPerRun - 1, false, null)]
    public void Plan_conflicts(bool initialPlan, int existing, bool storedAlready, string? reason)
    {
        var decided = PlanRules.Add("run", [new NewStep("s", "d", 1, null, null)], initialPlan, existing, _ => storedAlready);

        Assert.Equal(reason, (decided.Error as ConflictException)?.Reason);
        if (reason is null)
        {
            Assert.Equal(StepStatus.Pending, Assert.Single(decided.Value!).Status);
        }
    }

    [Fact]
    public void A_step_starts_once_and_completes_on_a_done_status_and_reopening_clears_completion()
    {
        var step = new StepDocument { StepId = "s", RunId = "r", Sequence = 1, Description = "d", Status = StepStatus.Pending };

        var started = StepRules.Apply(step, new StepChange(StepStatus.InProgress), T0).Step;
        var done = StepRules.Apply(started, new StepChange(StepStatus.Completed), T0.AddSeconds(1)).Step;
        var reopened = StepRules.Apply(done, new StepChange(StepStatus.InProgress), T0.AddSeconds(2)).Step;

        Assert.Equal(T0, started.StartedAt);
        Assert.Equal(T0.AddSeconds(1), done.CompletedAt);
        Assert.Equal(T0, reopened.StartedAt);
        Assert.Null(reopened.CompletedAt);
        Assert.False(StepRules.Apply(reopened, new StepChange(StepStatus.InProgress), T0).Changed);
    }

    [Fact]
    public void An_idempotent_retry_replays_the_same_content_in_any_key_order_and_conflicts_otherwise()
    {
        var first = new NewEvent("message", "hi", null, null, "k", """{"a":1,"b":{"y":2,"x":[1,{"q":1,"p":2}]}}""");
        var reordered = first with { PayloadJson = """{"b":{"x":[1,{"p":2,"q":1}],"y":2},"a":1}""" };
        var other = first with { Summary = "bye" };
        var stored = EventRules.Create(first, "e1", "r", 1, T0);

        var replay = EventRules.Retry(stored, EventRules.Fingerprint(first), reordered);
        var conflict = EventRules.Retry(stored, EventRules.Fingerprint(first), other);

        Assert.True(replay.Unwrap().Replayed);
        Assert.Same(stored, replay.Value!.Event);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", Assert.IsType<ConflictException>(conflict.Error).Reason);
    }
}
