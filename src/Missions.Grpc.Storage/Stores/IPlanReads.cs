namespace Missions.Grpc.Storage.Stores;

/// <summary>The reads of <see cref="IPlanStore"/> (same contract).</summary>
internal interface IPlanReads
{
    Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken);

    Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken);
}
