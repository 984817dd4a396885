namespace Missions.Grpc.Storage;

/// <summary>
/// The storage seam for a run's plan. Every call addresses the run under its mission and organization
/// (<see cref="ResourceNotFoundException"/> "Mission" or "Run" otherwise). Creating steps is one atomic
/// command: duplicates (in the run or the request) and references are checked against what is stored.
/// A write takes the request's <c>Idempotency-Key</c>, if it has one (<see cref="IdempotencyScope"/>): the key's record
/// commits in the write's own transaction.
/// </summary>
public interface IPlanStore
{
    /// <summary>
    /// Adds steps to the run's plan, all or none. With <paramref name="initialPlan"/>, a run that already has
    /// steps is a <see cref="ConflictException"/>. A duplicate step id is a conflict; a <c>parent_step_id</c>
    /// naming no step of the run or the request is an <see cref="InvalidReferenceException"/>.
    /// Returns the new steps in request order.
/// </summary>
    Task<IReadOnlyList<StepDocument>> AddStepsAsync(string organization, Guid missionId, Guid runId, IReadOnlyList<NewStep> steps, bool initialPlan, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>The whole plan, ordered by sequence, then creation.</summary>
    Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default);

    Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken = default);

    /// <summary>Applies the change; stamps <c>started_at</c> (first <c>in_progress</c>) and <c>completed_at</c> (entering a done status).</summary>
    Task<StepDocument> ChangeStepAsync(string organization, Guid missionId, Guid runId, string stepId, StepChange change, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);
}
