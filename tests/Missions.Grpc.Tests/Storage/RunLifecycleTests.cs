using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// The run state machine against the lifecycle of docs/api.md as <see cref="LifecycleTable"/> writes it out:
/// every status update and every verb from every status.
/// </summary>
public sealed class RunLifecycleTests
{
    public static TheoryData<string, string> EveryPair() => LifecycleTable.EveryPair();

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void A_status_update_applies_allowed_steps_keeps_the_same_status_and_refuses_the_rest(string from, string to)
    {
        var expected = from == to ? TransitionDecision.Unchanged
            : LifecycleTable.Allowed.Contains((from, to)) ? TransitionDecision.Apply
            : TransitionDecision.Refuse;

        Assert.Equal(expected, RunLifecycle.Decide(RunTransition.To(to), from));
    }

    [Theory]
    [InlineData("cancel", "pending", nameof(TransitionDecision.Apply))]
    [InlineData("cancel", "running", nameof(TransitionDecision.Apply))]
    [InlineData("cancel", "paused", nameof(TransitionDecision.Apply))]
    [InlineData("cancel", "succeeded", nameof(TransitionDecision.Refuse))]
    [InlineData("cancel", "failed", nameof(TransitionDecision.Refuse))]
    [InlineData("cancel", "cancelled", nameof(TransitionDecision.Refuse))]
    [InlineData("pause", "pending", nameof(TransitionDecision.Refuse))]
    [InlineData("pause", "running", nameof(TransitionDecision.Apply))]
    [InlineData("pause", "paused", nameof(TransitionDecision.Refuse))]
    [InlineData("pause", "succeeded", nameof(TransitionDecision.Refuse))]
    [InlineData("pause", "failed", nameof(TransitionDecision.Refuse))]
    [InlineData("pause", "cancelled", nameof(TransitionDecision.Refuse))]
    [InlineData("resume", "pending", nameof(TransitionDecision.Refuse))]
    [InlineData("resume", "running", nameof(TransitionDecision.Refuse))]
    [InlineData("resume", "paused", nameof(TransitionDecision.Apply))]
    [InlineData("resume", "succeeded", nameof(TransitionDecision.Refuse))]
    [InlineData("resume", "failed", nameof(TransitionDecision.Refuse))]
    [InlineData("resume", "cancelled", nameof(TransitionDecision.Refuse))]
    public void Verbs_need_their_status(string verb, string from, string expected)
    {
        var transition = verb switch
        {
            "cancel" => RunTransition.Cancel,
            "pause" => RunTransition.Pause,
            _ => RunTransition.Resume,
        };

        Assert.Equal(expected, RunLifecycle.Decide(transition, from).ToString());
    }

    [Fact]
    public void Refusals_name_the_current_and_the_requested_status()
    {
        Assert.Equal("Cannot change run status from 'succeeded' to 'running': 'succeeded' is a final status",
            RunLifecycle.Refusal(RunTransition.To("running"), "succeeded"));
        Assert.Equal("Cannot change run status from 'pending' to 'paused': from 'pending' a run can move to 'running', 'failed' or 'cancelled'",
            RunLifecycle.Refusal(RunTransition.To("paused"), "pending"));
        Assert.Equal("Cannot pause a run whose status is 'pending': pause moves a run from 'running' to 'paused'",
            RunLifecycle.Refusal(RunTransition.Pause, "pending"));
        Assert.Equal("Cannot cancel a run whose status is 'failed': cancel moves a run from 'pending', 'running' or 'paused' to 'cancelled'",
            RunLifecycle.Refusal(RunTransition.Cancel, "failed"));
    }

    [Fact]
    public void Only_succeeded_failed_and_cancelled_are_terminal()
    {
        Assert.Equal(LifecycleTable.Terminal, LifecycleTable.Statuses.Where(RunStatus.IsTerminal));
    }
}
