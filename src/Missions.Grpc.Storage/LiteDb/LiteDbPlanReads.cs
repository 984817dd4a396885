using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Plans: the <c>steps</c> collection. A step's id is (organization, run, step id); <c>PlanKey</c> (organization, run,
/// sequence, creation) orders the plan.
/// </summary>
internal sealed class LiteDbPlanReads(LiteDbConnection connection) : IPlanReads
{
    public Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken) =>
        connection.ReadAsync<IReadOnlyList<StepDocument>>(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            return AllOf(c.Steps, nameof(StepRecord.PlanKey), Keys.Prefix(organization, run.Id))
                .Where(s => s.Organization == organization && s.RunId == run.Id)
                .Select(s => s.ToDocument())
                .ToList();
        });

    public Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            return (c.Steps.FindById(StepRecord.IdOf(organization, run.Id, stepId)) ?? throw NotFound.Step()).ToDocument();
        });
}
