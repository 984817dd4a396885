namespace Missions.Grpc.Storage.Core;

/// <summary>
/// What starting and changing a run means: the status transition decided by <see cref="RunTransition"/> against the
/// stored status, field changes merged, <c>updated_at</c> moved only when a stored value changes, <c>finished_at</c>
/// stamped on entering a terminal status. A backend applies the result in the same atomic write that read the run.
/// </summary>
internal static class RunRules
{
    public static RunDocument Start(string organization, string missionId, NewRun run, string id, DateTime now) => new()
    {
        Id = id,
        Organization = organization,
        MissionId = missionId,
        Status = RunStatus.Pending,
        StartedAt = now,
        UpdatedAt = now,
        InputJson = run.InputJson,
        MetadataJson = run.MetadataJson,
    };

    /// <summary>The run after <paramref name="change"/>, and whether anything stored changed; or the conflict that refuses it.</summary>
    public static Outcome<(RunDocument Run, bool Changed)> Apply(RunDocument stored, RunChange change, StoreClock clock)
    {
        var status = stored.Status;
        if (change.Transition is { } transition)
        {
            switch (RunLifecycle.Decide(transition, stored.Status))
            {
                case TransitionDecision.Refuse:
                    return Outcome<(RunDocument, bool)>.Fail(new ConflictException(
                        RunLifecycle.Refusal(transition, stored.Status),
                        "RUN_STATUS_CONFLICT",
                        new Dictionary<string, string> { ["current_status"] = stored.Status, ["requested_status"] = transition.Target }));
                case TransitionDecision.Apply:
                    status = transition.Target;
                    break;
            }
        }
        var changed = stored with
        {
            Status = status,
            ResultSummary = change.ResultSummary ?? stored.ResultSummary,
            ResultPayloadJson = change.ResultPayloadJson ?? stored.ResultPayloadJson,
            Error = change.Error ?? stored.Error,
            MetadataJson = change.MetadataJson ?? stored.MetadataJson,
        };
        if (changed == stored)
        {
            return (stored, false); // setting what is stored again is a no-op: updated_at stays
        }
        var updatedAt = clock.Later(stored.UpdatedAt);
        return (changed with
        {
            UpdatedAt = updatedAt,
            FinishedAt = status != stored.Status && RunStatus.IsTerminal(status) ? updatedAt : stored.FinishedAt,
        }, true);
    }
}
