using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A step's status or metadata, stamped by <see cref="StepRules"/>; the run is locked (plan changes are ordered per run).</summary>
internal sealed class ChangeStep(string organization, Guid missionId, Guid runId, string stepId, StepChange change) : WriteCommand<StepDocument>
{
    public override string Operation => "ChangeStep";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Run(organization, missionId, runId);
        needs.Steps.Add((organization, runId, stepId));
    }

    public override Outcome<StepDocument> Execute(BatchState batch)
    {
        var resolved = batch.Run(organization, missionId, runId);
        if (resolved.Failed)
        {
            return Outcome<StepDocument>.Fail(resolved.Error!);
        }
        if (batch.Step(organization, runId, stepId) is not { } stored)
        {
            return Outcome<StepDocument>.Fail(NotFound.Step());
        }
        var (step, changed) = StepRules.Apply(stored.Step, change, batch.Clock.Now());
        if (changed)
        {
            batch.UpdateStep(resolved.Value!, stored, step);
        }
        return step;
    }
}
