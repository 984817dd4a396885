using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Telnyx agent links: the <c>agent_links</c> collection. A link's id is (organization, run, agent id), so a
/// duplicate is one lookup; <c>RunKey</c> (organization, run, UUIDv7 taken at linking) keeps link order.
/// </summary>
public sealed partial class LiteDbStore
{
    /// <summary>Most agents one run links (the list is returned whole, unpaginated).</summary>
    public const int MaxLinksPerRun = 1_000;

    public Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<AgentLinkDocument>>(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            return AllOf(c.Links, nameof(LinkRecord.RunKey), Keys.Prefix(organization, run.Id))
                .Where(l => l.Organization == organization && l.RunId == run.Id)
                .Select(l => l.ToDocument())
                .ToList();
        });

    public async Task<AgentLinkDocument> LinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(db =>
        {
            var resolved = ResolveRun(db, organization, missionId, runId);
            if (resolved.Error is { } missing)
            {
                return Outcome<AgentLinkDocument>.Fail(missing);
            }
            var run = resolved.Value!;
            var links = db.GetCollection<LinkRecord>(LiteDbSchema.Links);
            var id = LinkRecord.IdOf(organization, run.Id, telnyxAgentId);
            if (links.FindById(id) is not null)
            {
                return Outcome<AgentLinkDocument>.Fail(new ConflictException(
                    $"Telnyx agent '{telnyxAgentId}' is already linked to this run", "AGENT_ALREADY_LINKED",
                    new Dictionary<string, string> { ["telnyx_agent_id"] = telnyxAgentId }, alreadyExists: true));
            }
            if (CountOf(links, nameof(LinkRecord.RunKey), Keys.Prefix(organization, run.Id)) >= MaxLinksPerRun)
            {
                return Outcome<AgentLinkDocument>.Fail(new ConflictException(
                    $"A run links at most {MaxLinksPerRun} Telnyx agents", "TOO_MANY_AGENT_LINKS"));
            }
            var record = new LinkRecord
            {
                Id = id,
                Organization = organization,
                MissionId = run.MissionId,
                RunId = run.Id,
                TelnyxAgentId = telnyxAgentId,
                CreatedAt = Now(),
                RunKey = Keys.Of(organization, run.Id, _ids.NewId().ToString()),
            };
            links.Insert(record);
            return record.ToDocument();
        }, cancellationToken).ConfigureAwait(false);
        return outcome.Unwrap();
    }

    public async Task UnlinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(db =>
        {
            var resolved = ResolveRun(db, organization, missionId, runId);
            if (resolved.Error is { } missing)
            {
                return Outcome<bool>.Fail(missing);
            }
            return db.GetCollection<LinkRecord>(LiteDbSchema.Links).Delete(LinkRecord.IdOf(organization, resolved.Value!.Id, telnyxAgentId))
                ? true
                : Outcome<bool>.Fail(new ResourceNotFoundException("Telnyx agent link"));
        }, cancellationToken).ConfigureAwait(false);
        outcome.Unwrap();
    }

    private static void DeleteLinksOf(LiteDatabase db, RunRecord run)
    {
        var prefix = Keys.Prefix(run.Organization, run.Id);
        db.GetCollection<LinkRecord>(LiteDbSchema.Links).DeleteMany(StartingWith(nameof(LinkRecord.RunKey), prefix));
    }
}

/// <summary>How an agent link is laid out in LiteDB (mutable for BsonMapper).</summary>
internal sealed class LinkRecord
{
    /// <summary>Organization, run, agent id: one link per agent and run by construction.</summary>
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string TelnyxAgentId { get; set; } = "";
    public DateTime CreatedAt { get; set; }

    /// <summary>Organization, run, UUIDv7 taken at linking: the list's order.</summary>
    public string RunKey { get; set; } = "";

    public static string IdOf(string organization, string runId, string telnyxAgentId) => Keys.Of(organization, runId, Keys.Part(telnyxAgentId));

    public AgentLinkDocument ToDocument() =>
        new(RunId, TelnyxAgentId, Times.Utc(CreatedAt));
}
