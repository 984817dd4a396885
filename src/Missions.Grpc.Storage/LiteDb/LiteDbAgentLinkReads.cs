using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Telnyx agent links: the <c>agent_links</c> collection; <c>RunKey</c> (organization, run, UUIDv7 taken at linking) keeps link order.</summary>
internal sealed class LiteDbAgentLinkReads(LiteDbConnection connection) : IAgentLinkReads
{
    public Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken) =>
        connection.ReadAsync<IReadOnlyList<AgentLinkDocument>>(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            return AllOf(c.Links, nameof(LinkRecord.RunKey), Keys.Prefix(organization, run.Id))
                .Where(l => l.Organization == organization && l.RunId == run.Id)
                .Select(l => l.ToDocument())
                .ToList();
        });
}
