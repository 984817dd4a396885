using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>Telnyx agent links: the <c>agent_links</c> table, keyed by (organization, run, agent id), in link order. Links lock the run's row.</summary>
internal sealed class PostgresAgentLinkStore(PostgresBackend backend) : IAgentLinkStore
{
    public Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        backend.ReadAsync<IReadOnlyList<AgentLinkDocument>>(async (connection, ct) =>
        {
            await PostgresLookups.RequireRunAsync(connection, organization, missionId, runId, ct).ConfigureAwait(false);
            return await Pg.ListAsync(connection, $"SELECT {LinkColumns} FROM agent_links WHERE organization = $1 AND run_id = $2 ORDER BY created",
                Link, ct, organization, runId).ConfigureAwait(false);
        }, cancellationToken);

    public Task<AgentLinkDocument> LinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<AgentLinkDocument>(async (batch, ct) =>
        {
            var resolved = await PostgresLookups.RunAsync(batch.Connection, organization, missionId, runId, "FOR UPDATE", ct).ConfigureAwait(false);
            if (resolved.Failed)
            {
                return Outcome<AgentLinkDocument>.Fail(resolved.Error!);
            }
            var (linked, count) = await Pg.FirstAsync(batch.Connection,
                "SELECT bool_or(telnyx_agent_id = $3), count(*) FROM agent_links WHERE organization = $1 AND run_id = $2",
                r => (!r.IsDBNull(0) && r.GetBoolean(0), r.GetInt64(1)), ct, organization, runId, telnyxAgentId).ConfigureAwait(false);
            if (linked)
            {
                return Outcome<AgentLinkDocument>.Fail(AgentLinkRules.Duplicate(telnyxAgentId));
            }
            if (count >= AgentLinkRules.MaxPerRun)
            {
                return Outcome<AgentLinkDocument>.Fail(AgentLinkRules.Full());
            }
            var link = new AgentLinkDocument(runId.ToString(), telnyxAgentId, backend.Clock.Now());
            await Pg.ExecuteAsync(batch.Connection,
                "INSERT INTO agent_links (organization, run_id, telnyx_agent_id, created, created_at) VALUES ($1, $2, $3, $4, $5)",
                ct, organization, runId, telnyxAgentId, backend.Ids.NewId(), link.CreatedAt).ConfigureAwait(false);
            return link;
        }, cancellationToken);

    public async Task UnlinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, CancellationToken cancellationToken = default) =>
        await backend.WriteAsync<bool>(async (batch, ct) =>
        {
            var resolved = await PostgresLookups.RunAsync(batch.Connection, organization, missionId, runId, "FOR UPDATE", ct).ConfigureAwait(false);
            if (resolved.Failed)
            {
                return Outcome<bool>.Fail(resolved.Error!);
            }
            return await Pg.ExecuteAsync(batch.Connection, "DELETE FROM agent_links WHERE organization = $1 AND run_id = $2 AND telnyx_agent_id = $3",
                ct, organization, runId, telnyxAgentId).ConfigureAwait(false) > 0
                ? true
                : Outcome<bool>.Fail(NotFound.AgentLink());
        }, cancellationToken).ConfigureAwait(false);
}
