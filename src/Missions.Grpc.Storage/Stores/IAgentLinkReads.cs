namespace Missions.Grpc.Storage.Stores;

/// <summary>The reads of <see cref="IAgentLinkStore"/> (same contract).</summary>
internal interface IAgentLinkReads
{
    Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken);
}
