using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Events: the <c>events</c> collection, keyed by UUIDv7 (commit order), with indexes for the run's trail
/// (run; run + type; run + step; run + agent), the organization's feed (organization; organization + type),
/// and the run's idempotency keys; a counter for each list so totals cost one read.
/// </summary>
public sealed partial class LiteDbStore
{
    public async Task<LoggedEvent> LogEventAsync(string organization, Guid missionId, Guid runId, NewEvent newEvent, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(
            db => InsertEvent(db, organization, missionId, runId, newEvent),
            done =>
            {
                if (done.Value is { Replayed: false, Event: var stored })
                {
                    _feed.Publish(organization, stored.RunId, new EventCommitted(stored));
                }
            },
            cancellationToken).ConfigureAwait(false);
        return outcome.Unwrap();
    }

    public Task<Page<EventDocument>> ListRunEventsAsync(
        string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        Read(c => ListRunEvents(c, organization, missionId, runId, filter, offset, limit));

    private static Page<EventDocument> ListRunEvents(
        LiteDbCollections c, string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit)
    {
        var run = RequireRun(c, organization, missionId, runId).Id;
        var filters = (filter.StepId is null ? 0 : 1) + (filter.AgentId is null ? 0 : 1) + (filter.Type is null ? 0 : 1);
        bool Matches(EventRecord e) => e.Organization == organization && e.RunId == run
            && (filter.Type is null || e.Type == filter.Type)
            && (filter.StepId is null || e.StepId == filter.StepId)
            && (filter.AgentId is null || e.AgentId == filter.AgentId);
        var (keyField, prefix, counter) = filter switch
        {
            { StepId: { } step } => (nameof(EventRecord.RunStepKey), Keys.Prefix(organization, run, Keys.Part(step)), EventRecord.RunStepCounterOf(organization, run, step)),
            { AgentId: { } agent } => (nameof(EventRecord.RunAgentKey), Keys.Prefix(organization, run, Keys.Part(agent)), EventRecord.RunAgentCounterOf(organization, run, agent)),
            { Type: { } type } => (nameof(EventRecord.RunTypeKey), Keys.Prefix(organization, run, type), EventRecord.RunTypeCounterOf(organization, run, type)),
            _ => (nameof(EventRecord.RunKey), Keys.Prefix(organization, run), EventRecord.RunCounterOf(organization, run)),
        };
        if (filters > 1)
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
    }

    public Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken = default) =>
        Read(c =>
        {
            var (keyField, prefix, counter) = type is null
                ? (nameof(EventRecord.OrgKey), Keys.Prefix(organization), EventRecord.OrgCounterOf(organization))
                : (nameof(EventRecord.OrgTypeKey), Keys.Prefix(organization, type), EventRecord.OrgTypeCounterOf(organization, type));
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

    public Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken = default) =>
        Read(c => FindEvent(c, RequireRun(c, organization, missionId, runId), eventId)?.ToDocument() ?? throw new ResourceNotFoundException("Event"));

    public Task<IReadOnlyList<EventDocument>> EventsAfterAsync(
        string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<EventDocument>>(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            var prefix = Keys.Prefix(organization, run.Id);
            var from = prefix;
            if (afterEventId is not null)
            {
                var cursor = FindEvent(c, run, afterEventId) ?? throw new ResourceNotFoundException("Event");
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

    private Outcome<LoggedEvent> InsertEvent(LiteDatabase db, string organization, Guid missionId, Guid runId, NewEvent newEvent)
    {
        var resolved = ResolveRun(db, organization, missionId, runId);
        if (resolved.Error is { } missing)
        {
            return Outcome<LoggedEvent>.Fail(missing);
        }
        var run = resolved.Value!;
        var events = db.GetCollection<EventRecord>(LiteDbSchema.Events);
        var fingerprint = newEvent.IdempotencyKey is null ? null : Fingerprint(newEvent);
        if (newEvent.IdempotencyKey is { } key)
        {
            // Same writer command as the insert: concurrent retries with one key cannot both insert.
            var earlier = events.FindOne(Equal(nameof(EventRecord.IdempotencyIndexKey), EventRecord.IdempotencyKeyOf(organization, run.Id, key)));
            if (earlier is not null)
            {
                return earlier.Fingerprint == fingerprint
                    ? new LoggedEvent(earlier.ToDocument(), Replayed: true)
                    : Outcome<LoggedEvent>.Fail(new ConflictException(
                        $"Idempotency key '{key}' was already used in this run for a different event ({earlier.Id})",
                        "IDEMPOTENCY_KEY_REUSED",
                        new Dictionary<string, string> { ["event_id"] = earlier.Id, ["idempotency_key"] = key }));
            }
        }
        var record = new EventRecord
        {
            Id = _ids.NewId().ToString(),
            Organization = organization,
            MissionId = run.MissionId,
            RunId = run.Id,
            Type = newEvent.Type,
            Summary = newEvent.Summary,
            Timestamp = Now(),
            StepId = newEvent.StepId,
            AgentId = newEvent.AgentId,
            IdempotencyKey = newEvent.IdempotencyKey,
            PayloadJson = newEvent.PayloadJson,
            Fingerprint = fingerprint,
        };
        record.SetKeys();
        events.Insert(record);
        AddToCounters(+1, record.Counters());
        return new LoggedEvent(record.ToDocument(), Replayed: false);
    }

    /// <summary>Removes the run's events; returns the counters to decrease (one entry per event and counter).</summary>
    private static IEnumerable<string> DeleteEventsOf(LiteDatabase db, RunRecord run)
    {
        var events = db.GetCollection<EventRecord>(LiteDbSchema.Events);
        var owned = AllOf(events, nameof(EventRecord.RunKey), Keys.Prefix(run.Organization, run.Id));
        foreach (var record in owned)
        {
            events.Delete(record.Id);
        }
        return owned.SelectMany(e => e.Counters());
    }

    /// <summary>
    /// What makes two events "the same content" for idempotency: type, summary, step, agent and the payload
    /// with object keys in a canonical order (a retry may serialize them in another order).
    /// </summary>
    private static string Fingerprint(NewEvent e)
    {
        var canonical = new JsonArray(e.Type, e.Summary, e.StepId, e.AgentId, Canonical(e.PayloadJson is null ? null : JsonNode.Parse(e.PayloadJson)));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToJsonString())));

        static JsonNode? Canonical(JsonNode? node) => node switch
        {
            JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
            JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
            null => null,
            _ => JsonNode.Parse(node.ToJsonString()),
        };
    }
}

/// <summary>How an event is laid out in LiteDB (mutable for BsonMapper).</summary>
internal sealed class EventRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string Type { get; set; } = "";
    public string Summary { get; set; } = "";
    public DateTime Timestamp { get; set; }
    public string? StepId { get; set; }
    public string? AgentId { get; set; }
    public string? IdempotencyKey { get; set; }
    public string? PayloadJson { get; set; }

    /// <summary>Hash of the content, kept for events with an idempotency key.</summary>
    public string? Fingerprint { get; set; }

    public string OrgKey { get; set; } = "";
    public string OrgTypeKey { get; set; } = "";
    public string RunKey { get; set; } = "";
    public string RunTypeKey { get; set; } = "";
    public string? RunStepKey { get; set; }
    public string? RunAgentKey { get; set; }
    public string? IdempotencyIndexKey { get; set; }

    public static string OrgCounterOf(string organization) => Keys.Of("events", organization);

    public static string OrgTypeCounterOf(string organization, string type) => Keys.Of("events-by-type", organization, type);

    public static string RunCounterOf(string organization, string runId) => Keys.Of("run-events", organization, runId);

    public static string RunTypeCounterOf(string organization, string runId, string type) => Keys.Of("run-events-by-type", organization, runId, type);

    public static string RunStepCounterOf(string organization, string runId, string stepId) =>
        Keys.Of("run-events-by-step", organization, runId, Keys.Part(stepId));

    public static string RunAgentCounterOf(string organization, string runId, string agentId) =>
        Keys.Of("run-events-by-agent", organization, runId, Keys.Part(agentId));

    public static string IdempotencyKeyOf(string organization, string runId, string key) => Keys.Of(organization, runId, Keys.Part(key));

    public void SetKeys()
    {
        OrgKey = Keys.Of(Organization, Id);
        OrgTypeKey = Keys.Of(Organization, Type, Id);
        RunKey = Keys.Of(Organization, RunId, Id);
        RunTypeKey = Keys.Of(Organization, RunId, Type, Id);
        RunStepKey = StepId is null ? null : Keys.Of(Organization, RunId, Keys.Part(StepId), Id);
        RunAgentKey = AgentId is null ? null : Keys.Of(Organization, RunId, Keys.Part(AgentId), Id);
        IdempotencyIndexKey = IdempotencyKey is null ? null : IdempotencyKeyOf(Organization, RunId, IdempotencyKey);
    }

    /// <summary>The counters this event is counted in.</summary>
    public IEnumerable<string> Counters()
    {
        yield return OrgCounterOf(Organization);
        yield return OrgTypeCounterOf(Organization, Type);
        yield return RunCounterOf(Organization, RunId);
        yield return RunTypeCounterOf(Organization, RunId, Type);
        if (StepId is not null)
        {
            yield return RunStepCounterOf(Organization, RunId, StepId);
        }
        if (AgentId is not null)
        {
            yield return RunAgentCounterOf(Organization, RunId, AgentId);
        }
    }

    public EventDocument ToDocument() => new()
    {
        Id = Id,
        RunId = RunId,
        Type = Type,
        Summary = Summary,
        Timestamp = Times.Utc(Timestamp),
        StepId = StepId,
        AgentId = AgentId,
        IdempotencyKey = IdempotencyKey,
        PayloadJson = PayloadJson,
    };
}
