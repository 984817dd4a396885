using LiteDB;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Telnyx agent links: the <c>agent_links</c> collection. A link's id is (organization, run, agent id), so a
/// duplicate is one lookup; <c>RunKey</c> (organization, run, UUIDv7 taken at linking) keeps link order.
/// </summary>
internal sealed class LiteDbAgentLinkStore(LiteDbBackend backend) : IAgentLinkStore
{
    public Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        backend.Read<IReadOnlyList<AgentLinkDocument>>(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            return AllOf(c.Links, nameof(LinkRecord.RunKey), Keys.Prefix(organization, run.Id))
                .Where(l => l.Organization == organization && l.RunId == run.Id)
                .Select(l => l.ToDocument())
                .ToList();
        });

    public Task<AgentLinkDocument> LinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<AgentLinkDocument>(db =>
        {
            var resolved = ResolveRun(db, organization, missionId, runId);
            if (resolved.Failed)
            {
                return Outcome<AgentLinkDocument>.Fail(resolved.Error!);
            }
            var run = resolved.Value!;
            var links = db.GetCollection<LinkRecord>(LiteDbSchema.Links);
            var id = LinkRecord.IdOf(organization, run.Id, telnyxAgentId);
            if (links.FindById(id) is not null)
            {
                return Outcome<AgentLinkDocument>.Fail(AgentLinkRules.Duplicate(telnyxAgentId));
            }
            if (CountOf(links, nameof(LinkRecord.RunKey), Keys.Prefix(organization, run.Id)) >= AgentLinkRules.MaxPerRun)
            {
                return Outcome<AgentLinkDocument>.Fail(AgentLinkRules.Full());
            }
            var record = new LinkRecord
            {
                Id = id,
                Organization = organization,
                MissionId = run.MissionId,
                RunId = run.Id,
                TelnyxAgentId = telnyxAgentId,
                CreatedAt = backend.Clock.Now(),
                RunKey = Keys.Of(organization, run.Id, backend.Ids.NewId().ToString()),
            };
            links.Insert(record);
            return record.ToDocument();
        }, cancellationToken);

    public async Task UnlinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, CancellationToken cancellationToken = default) =>
        await backend.WriteAsync<bool>(db =>
        {
            var resolved = ResolveRun(db, organization, missionId, runId);
            if (resolved.Failed)
            {
                return Outcome<bool>.Fail(resolved.Error!);
            }
            return db.GetCollection<LinkRecord>(LiteDbSchema.Links).Delete(LinkRecord.IdOf(organization, resolved.Value!.Id, telnyxAgentId))
                ? true
                : Outcome<bool>.Fail(NotFound.AgentLink());
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Removes the run's links; part of a delete command.</summary>
    internal static void DeleteLinksOf(LiteDatabase db, RunRecord run) =>
        db.GetCollection<LinkRecord>(LiteDbSchema.Links).DeleteMany(StartingWith(nameof(LinkRecord.RunKey), Keys.Prefix(run.Organization, run.Id)));
}
