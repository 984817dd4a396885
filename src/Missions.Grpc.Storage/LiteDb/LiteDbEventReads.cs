using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Events: the <c>events</c> collection, keyed by UUIDv7 (commit order: one writer), with indexes for the run's trail
/// (run; run + type; run + step; run + agent), the organization's feed (organization; organization + type), and the
/// run's idempotency keys; a counter for each list so totals cost one read.
/// </summary>
internal sealed class LiteDbEventReads(LiteDbConnection connection) : IEventReads
{
    public Task<Page<EventDocument>> ListRunEventsAsync(
        string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            var run = RequireRun(c, organization, missionId, runId).Id;
            bool Matches(EventRecord e) => e.Organization == organization && e.RunId == run
                && (filter.Type is null || e.Type == filter.Type)
                && (filter.StepId is null || e.StepId == filter.StepId)
                && (filter.AgentId is null || e.AgentId == filter.AgentId);
            var (keyField, prefix) = filter switch
            {
                { StepId: { } step } => (nameof(EventRecord.RunStepKey), Keys.Prefix(organization, run, Keys.Part(step))),
                { AgentId: { } agent } => (nameof(EventRecord.RunAgentKey), Keys.Prefix(organization, run, Keys.Part(agent))),
                { Type: { } type } => (nameof(EventRecord.RunTypeKey), Keys.Prefix(organization, run, type)),
                _ => (nameof(EventRecord.RunKey), Keys.Prefix(organization, run)),
            };
            if (CounterKeys.RunEventsMatching(organization, run, filter) is not { } counter)
            {
                // Combined filters: the narrowest index (a step's or an agent's events) is read whole and the
                // rest filtered here; that range is one step's or one agent's share of one run.
                var matching = AllOf(c.Events, keyField, prefix).Where(Matches).ToList();
                return new Page<EventDocument>(matching.Skip(offset).Take(limit).Select(e => e.ToDocument()).ToList(), matching.Count);
            }
            var total = c.Count(counter);
            if (offset >= total)
            {
                return new Page<EventDocument>([], total);
            }
            var items = PageOf(c.Events, keyField, prefix, offset, limit, newestFirst: false).Where(Matches).Select(e => e.ToDocument()).ToList();
            return new Page<EventDocument>(items, total);
        });

    public Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            var (keyField, prefix, counter) = type is null
                ? (nameof(EventRecord.OrgKey), Keys.Prefix(organization), CounterKeys.Events(organization))
                : (nameof(EventRecord.OrgTypeKey), Keys.Prefix(organization, type), CounterKeys.EventsByType(organization, type));
            var total = c.Count(counter);
            if (offset >= total)
            {
                return new Page<EventDocument>([], total);
            }
            var items = PageOf(c.Events, keyField, prefix, offset, limit)
                .Where(e => e.Organization == organization && (type is null || e.Type == type))
                .Select(e => e.ToDocument())
                .ToList();
            return new Page<EventDocument>(items, total);
        });

    public Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken) =>
        connection.ReadAsync(c => FindEvent(c, RequireRun(c, organization, missionId, runId), eventId)?.ToDocument() ?? throw NotFound.Event());

    public Task<IReadOnlyList<EventDocument>> EventsAfterAsync(
        string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken) =>
        connection.ReadAsync<IReadOnlyList<EventDocument>>(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            var prefix = Keys.Prefix(organization, run.Id);
            var from = prefix;
            if (afterEventId is not null)
            {
                var cursor = FindEvent(c, run, afterEventId) ?? throw NotFound.Event();
                from = cursor.RunKey + "\u0000"; // just after the cursor: event ids have one length, so this is the next key
            }
            return c.Events.Query()
                .Where(Range(nameof(EventRecord.RunKey), from, prefix + "\uffff"))
                .OrderBy(nameof(EventRecord.RunKey))
                .Limit(limit)
                .ToList()
                .Where(e => e.Organization == organization && e.RunId == run.Id)
                .Select(e => e.ToDocument())
                .ToList();
        });

    private static EventRecord? FindEvent(LiteDbCollections c, RunRecord run, string eventId)
    {
        var record = c.Events.FindById(eventId);
        return record is not null && record.Organization == run.Organization && record.RunId == run.Id ? record : null;
    }
}
