using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class PlanStore(StorageBackend backend) : IPlanStore
{
    private IPlanReads Reads => backend.Reads.Plans;

    private WritePipeline Writes => backend.Pipeline;

    public Task<IReadOnlyList<StepDocument>> AddStepsAsync(
        string organization, Guid missionId, Guid runId, IReadOnlyList<NewStep> steps, bool initialPlan, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new AddSteps(organization, missionId, runId, steps, initialPlan), idempotency, cancellationToken);

    public Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        Reads.GetPlanAsync(organization, missionId, runId, cancellationToken);

    public Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken = default) =>
        Reads.GetStepAsync(organization, missionId, runId, stepId, cancellationToken);

    public Task<StepDocument> ChangeStepAsync(
        string organization, Guid missionId, Guid runId, string stepId, StepChange change, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new ChangeStep(organization, missionId, runId, stepId, change), idempotency, cancellationToken);
}
