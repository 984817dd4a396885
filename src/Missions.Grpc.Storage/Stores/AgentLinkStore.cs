using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class AgentLinkStore(StorageBackend backend) : IAgentLinkStore
{
    private IAgentLinkReads Reads => backend.Reads.AgentLinks;

    private WritePipeline Writes => backend.Pipeline;

    public Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        Reads.ListLinksAsync(organization, missionId, runId, cancellationToken);

    public Task<AgentLinkDocument> LinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new LinkAgent(organization, missionId, runId, telnyxAgentId), idempotency, cancellationToken);

    public Task UnlinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new UnlinkAgent(organization, missionId, runId, telnyxAgentId), idempotency, cancellationToken);
}
