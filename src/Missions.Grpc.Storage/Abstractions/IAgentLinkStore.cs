namespace Missions.Grpc.Storage;

/// <summary>
/// The storage seam for the Telnyx agents linked to a run.
/// A write takes the request's <c>Idempotency-Key</c>, if it has one (<see cref="IdempotencyScope"/>): the key's record
/// commits in the write's own transaction.
/// </summary>
public interface IAgentLinkStore
{
    /// <summary>The run's links in the order they were made.</summary>
    Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default);

    /// <summary>Links the agent; an agent already linked to the run is a <see cref="ConflictException"/>.</summary>
    Task<AgentLinkDocument> LinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the link; "Telnyx agent link" not found when there is none.</summary>
    Task UnlinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);
}
