using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A transition and field changes, decided by <see cref="RunRules"/> against the run as the batch holds it (locked).</summary>
internal sealed class ChangeRun(string organization, Guid missionId, Guid runId, RunChange change) : WriteCommand<RunDocument>
{
    public override string Operation => "ChangeRun";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs) => needs.Run(organization, missionId, runId);

    public override Outcome<RunDocument> Execute(BatchState batch)
    {
        var resolved = batch.Run(organization, missionId, runId);
        if (resolved.Failed)
        {
            return Outcome<RunDocument>.Fail(resolved.Error!);
        }
        var stored = resolved.Value!;
        var decided = RunRules.Apply(stored.Run, change, batch.Clock);
        if (decided.Failed)
        {
            return Outcome<RunDocument>.Fail(decided.Error!);
        }
        var (run, changed) = decided.Value;
        if (changed)
        {
            batch.UpdateRun(stored, run);
        }
        return run;
    }
}
