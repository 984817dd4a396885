namespace Missions.Grpc.Storage.Core;

/// <summary>What changing a step means: <c>started_at</c> stamped once (first <c>in_progress</c>), <c>completed_at</c> on entering a done status and cleared on reopening.</summary>
internal static class StepRules
{
    public static (StepDocument Step, bool Changed) Apply(StepDocument stored, StepChange change, DateTime now)
    {
        var step = stored;
        if (change.Status is { } status && status != stored.Status)
        {
            step = step with
            {
                Status = status,
                StartedAt = status == StepStatus.InProgress ? stored.StartedAt ?? now : stored.StartedAt,
                CompletedAt = StepStatus.IsDone(status) ? now : null,
            };
        }
        if (change.MetadataJson is { } metadata && metadata != stored.MetadataJson)
        {
            step = step with { MetadataJson = metadata };
        }
        return (step, step != stored);
    }
}
