using System.Runtime.CompilerServices;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using Missions.Grpc.Storage.Writing;
using Npgsql;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

internal sealed class PostgresAgentLinkReads(PostgresReads reads) : IAgentLinkReads
{
    public Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken) =>
        reads.ReadAsync<IReadOnlyList<AgentLinkDocument>>(
            $"SELECT r.id IS NOT NULL, {Of("l", LinkColumns)} {PostgresReads.RunScope} " +
            $"LEFT JOIN agent_links l ON l.organization = r.organization AND l.run_id = r.id {PostgresReads.RunScopeWhere} ORDER BY l.created",
            [organization, runId, missionId],
            async (r, ct) =>
            {
                await PostgresReads.RunFoundAsync(r, ct).ConfigureAwait(false);
                var links = new List<AgentLinkDocument>();
                do
                {
                    if (!r.IsDBNull(1))
                    {
                        links.Add(Link(r, 1));
                    }
                }
                while (await r.ReadAsync(ct).ConfigureAwait(false));
                return links;
            },
            cancellationToken);
}
