using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

internal sealed class EventRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";
    public string RunId { get; set; } = "";

    /// <summary>The event's position in its run (<see cref="EventDocument.Sequence"/>); 0 in files written before it was kept.</summary>
    public long Sequence { get; set; }
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

    public static string IdempotencyKeyOf(string organization, string runId, string key) => Keys.Of(organization, runId, Keys.Part(key));

    public static EventRecord From(EventDocument d, string organization, string missionId, string? fingerprint) => new()
    {
        Id = d.Id,
        Organization = organization,
        MissionId = missionId,
        RunId = d.RunId,
        Sequence = d.Sequence,
        Type = d.Type,
        Summary = d.Summary,
        Timestamp = d.Timestamp,
        StepId = d.StepId,
        AgentId = d.AgentId,
        IdempotencyKey = d.IdempotencyKey,
        PayloadJson = d.PayloadJson,
        Fingerprint = fingerprint,
        OrgKey = Keys.Of(organization, d.Id),
        OrgTypeKey = Keys.Of(organization, d.Type, d.Id),
        RunKey = Keys.Of(organization, d.RunId, d.Id),
        RunTypeKey = Keys.Of(organization, d.RunId, d.Type, d.Id),
        RunStepKey = d.StepId is null ? null : Keys.Of(organization, d.RunId, Keys.Part(d.StepId), d.Id),
        RunAgentKey = d.AgentId is null ? null : Keys.Of(organization, d.RunId, Keys.Part(d.AgentId), d.Id),
        IdempotencyIndexKey = d.IdempotencyKey is null ? null : IdempotencyKeyOf(organization, d.RunId, d.IdempotencyKey),
    };

    public EventDocument ToDocument() => new()
    {
        Id = Id,
        RunId = RunId,
        Sequence = Sequence,
        Type = Type,
        Summary = Summary,
        Timestamp = Times.Utc(Timestamp),
        StepId = StepId,
        AgentId = AgentId,
        IdempotencyKey = IdempotencyKey,
        PayloadJson = PayloadJson,
    };
}
