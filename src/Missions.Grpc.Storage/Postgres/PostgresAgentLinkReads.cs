using Missions.Grpc.Storage.Stores;
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
                return await Paged.ItemsAsync(r, at: 1, column: 1, (row, at) => Link(row, at), ct).ConfigureAwait(false);
            },
            cancellationToken);
}
