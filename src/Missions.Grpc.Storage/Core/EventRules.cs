using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Missions.Grpc.Storage.Core;

/// <summary>
/// What logging an event means: the event as stored, and idempotency — a key already used in the run replays the
/// stored event when the content is the same (type, summary, step, agent, payload with keys in any order) and is a
/// conflict otherwise. Backends make the check and the insert one atomic step (a writer command, a unique constraint).
/// </summary>
internal static class EventRules
{
    /// <param name="sequence">The event's position in its run (1, 2, …), assigned in commit order.</param>
    public static EventDocument Create(NewEvent e, string id, string runId, long sequence, DateTime now) => new()
    {
        Id = id,
        RunId = runId,
        Sequence = sequence,
        Type = e.Type,
        Summary = e.Summary,
        Timestamp = now,
        StepId = e.StepId,
        AgentId = e.AgentId,
        IdempotencyKey = e.IdempotencyKey,
        PayloadJson = e.PayloadJson,
    };

    /// <summary>The answer to a retry whose idempotency key found <paramref name="earlier"/>: a replay, or a conflict.</summary>
    public static Outcome<LoggedEvent> Retry(EventDocument earlier, string? earlierFingerprint, NewEvent attempt) =>
        earlierFingerprint == Fingerprint(attempt)
            ? new LoggedEvent(earlier, Replayed: true)
            : Outcome<LoggedEvent>.Fail(new ConflictException(
                $"Idempotency key '{attempt.IdempotencyKey}' was already used in this run for a different event ({earlier.Id})",
                "IDEMPOTENCY_KEY_REUSED",
                new Dictionary<string, string> { ["event_id"] = earlier.Id, ["idempotency_key"] = attempt.IdempotencyKey ?? "" }));

    /// <summary>
    /// What makes two events "the same content" for idempotency: type, summary, step, agent and the payload with object
    /// keys in a canonical order (a retry may serialize them in another order).
    /// </summary>
    public static string Fingerprint(NewEvent e)
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
