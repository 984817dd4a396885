using LiteDB;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Plans: the <c>steps</c> collection. A step's id is (organization, run, step id), so duplicates are one
/// lookup; <c>PlanKey</c> (organization, run, sequence, creation) orders the plan. The checks are <see cref="PlanRules"/>.
/// </summary>
internal sealed class LiteDbPlanStore(LiteDbBackend backend) : IPlanStore
{
    public Task<IReadOnlyList<StepDocument>> AddStepsAsync(
        string organization, Guid missionId, Guid runId, IReadOnlyList<NewStep> steps, bool initialPlan, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<IReadOnlyList<StepDocument>>(
            db =>
            {
                var resolved = ResolveRun(db, organization, missionId, runId);
                if (resolved.Failed)
                {
                    return Outcome<IReadOnlyList<StepDocument>>.Fail(resolved.Error!);
                }
                var run = resolved.Value!;
                var collection = db.GetCollection<StepRecord>(LiteDbSchema.Steps);
                var counter = CounterKeys.Steps(organization, run.Id);
                var decided = PlanRules.Add(run.Id, steps, initialPlan, backend.Writer.Count(db, counter),
                    stepId => collection.FindById(StepRecord.IdOf(organization, run.Id, stepId)) is not null);
                if (!decided.Failed)
                {
                    foreach (var step in decided.Value!)
                    {
                        collection.Insert(StepRecord.From(step, organization, run.MissionId, backend.Ids.NewId().ToString()));
                    }
                    backend.Count(steps.Count, counter);
                }
                return decided;
            },
            cancellationToken,
            created =>
            {
                foreach (var step in created)
                {
                    backend.Published.Publish(organization, step.RunId, new StepChanged(step));
                }
            });

    public Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        backend.Read<IReadOnlyList<StepDocument>>(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            return AllOf(c.Steps, nameof(StepRecord.PlanKey), Keys.Prefix(organization, run.Id))
                .Where(s => s.Organization == organization && s.RunId == run.Id)
                .Select(s => s.ToDocument())
                .ToList();
        });

    public Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken = default) =>
        backend.Read(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            return (c.Steps.FindById(StepRecord.IdOf(organization, run.Id, stepId)) ?? throw NotFound.Step()).ToDocument();
        });

    public async Task<StepDocument> ChangeStepAsync(
        string organization, Guid missionId, Guid runId, string stepId, StepChange change, CancellationToken cancellationToken = default)
    {
        var (step, _) = await backend.WriteAsync<(StepDocument Step, bool Changed)>(
            db =>
            {
                var resolved = ResolveRun(db, organization, missionId, runId);
                if (resolved.Failed)
                {
                    return Outcome<(StepDocument, bool)>.Fail(resolved.Error!);
                }
                var steps = db.GetCollection<StepRecord>(LiteDbSchema.Steps);
                if (steps.FindById(StepRecord.IdOf(organization, resolved.Value!.Id, stepId)) is not { } stored)
                {
                    return Outcome<(StepDocument, bool)>.Fail(NotFound.Step());
                }
                var (changed, isChanged) = StepRules.Apply(stored.ToDocument(), change, backend.Clock.Now());
                if (isChanged)
                {
                    steps.Update(StepRecord.From(changed, organization, stored.MissionId, stored.Created));
                }
                return (changed, isChanged);
            },
            cancellationToken,
            done =>
            {
                if (done.Changed)
                {
                    backend.Published.Publish(organization, done.Step.RunId, new StepChanged(done.Step));
                }
            }).ConfigureAwait(false);
        return step;
    }

    /// <summary>Removes the run's steps and their count; part of a delete command.</summary>
    internal static void DeleteStepsOf(LiteDbBackend backend, LiteDatabase db, RunRecord run)
    {
        var count = db.GetCollection<StepRecord>(LiteDbSchema.Steps).DeleteMany(StartingWith(nameof(StepRecord.PlanKey), Keys.Prefix(run.Organization, run.Id)));
        backend.Count(-count, CounterKeys.Steps(run.Organization, run.Id));
    }
}
