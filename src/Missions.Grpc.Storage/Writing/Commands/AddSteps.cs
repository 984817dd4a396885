using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>Steps added to a run's plan, all or none, checked by <see cref="PlanRules"/> against the run's steps (the run locked).</summary>
internal sealed class AddSteps(string organization, Guid missionId, Guid runId, IReadOnlyList<NewStep> steps, bool initialPlan)
    : WriteCommand<IReadOnlyList<StepDocument>>
{
    public override string Operation => "AddSteps";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Run(organization, missionId, runId);
        foreach (var named in steps.Select(s => s.StepId).Concat(steps.Select(s => s.ParentStepId).OfType<string>()))
        {
            needs.Steps.Add((organization, runId, named));
        }
        needs.Counters.Add(CounterKeys.Steps(organization, runId.ToString()));
    }

    public override Outcome<IReadOnlyList<StepDocument>> Execute(BatchState batch)
    {
        var resolved = batch.Run(organization, missionId, runId);
        if (resolved.Failed)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(resolved.Error!);
        }
        var run = resolved.Value!;
        var decided = PlanRules.Add(run.Run.Id, steps, initialPlan, batch.Counter(CounterKeys.Steps(organization, run.Run.Id)),
            stepId => batch.Step(organization, runId, stepId) is not null);
        if (!decided.Failed)
        {
            batch.InsertSteps(run, decided.Value!);
        }
        return decided;
    }
}
