using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

// How documents are laid out in LiteDB: mutable classes for BsonMapper, with the index keys derived from the fields.
// Field names are the file format: existing databases keep working, so none is renamed.

/// <summary>Times as stored documents carry them: UTC (LiteDB hands back local times).</summary>
internal static class Times
{
    public static DateTime Utc(DateTime stored) => DateTime.SpecifyKind(stored.ToUniversalTime(), DateTimeKind.Utc);

    public static DateTime? Utc(DateTime? stored) => stored is { } value ? Utc(value) : null;
}

/// <summary>A count the writer maintains so list totals cost one read (<see cref="CounterKeys"/>).</summary>
internal sealed class CounterRecord
{
    public string Id { get; set; } = "";
    public int Count { get; set; }
}

internal sealed class MissionRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";

    /// <summary>Organization + id: the list index; ids are UUIDv7 strings, so this sorts by creation.</summary>
    public string OrgKey { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? Model { get; set; }
    public string? Instructions { get; set; }
    public string ExecutionMode { get; set; } = "";
    public string? MetadataJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// How many attachments the mission holds, kept by the writer with every attachment change, so that reading a
    /// mission without any costs no attachment query. Null for a mission stored before it was kept: then counted by query.
    /// </summary>
    public int? AttachmentCount { get; set; }

    public static MissionRecord From(MissionDocument d, int? attachmentCount) => new()
    {
        Id = d.Id,
        Organization = d.Organization,
        OrgKey = Keys.Of(d.Organization, d.Id),
        Name = d.Name,
        Description = d.Description,
        Model = d.Model,
        Instructions = d.Instructions,
        ExecutionMode = d.ExecutionMode,
        MetadataJson = d.MetadataJson,
        CreatedAt = d.CreatedAt,
        UpdatedAt = d.UpdatedAt,
        AttachmentCount = attachmentCount,
    };

    public MissionDocument ToDocument() => new()
    {
        Id = Id,
        Organization = Organization,
        Name = Name,
        Description = Description,
        Model = Model,
        Instructions = Instructions,
        ExecutionMode = ExecutionMode,
        MetadataJson = MetadataJson,
        CreatedAt = Times.Utc(CreatedAt),
        UpdatedAt = Times.Utc(UpdatedAt),
    };
}

internal sealed class RunRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";
    public string Status { get; set; } = "";

    /// <summary>Organization, id: all runs of the organization in creation order.</summary>
    public string OrgKey { get; set; } = "";

    /// <summary>Organization, mission, id: the mission's runs.</summary>
    public string MissionKey { get; set; } = "";

    /// <summary>Organization, status, id: the organization's runs in one status.</summary>
    public string OrgStatusKey { get; set; } = "";

    /// <summary>Organization, mission, status, id: the mission's runs in one status.</summary>
    public string MissionStatusKey { get; set; } = "";

    public DateTime StartedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public string? InputJson { get; set; }
    public string? MetadataJson { get; set; }
    public string? ResultSummary { get; set; }
    public string? ResultPayloadJson { get; set; }
    public string? Error { get; set; }

    /// <summary>
    /// The last change number one of the run's changes took (an event, the run's or a step's change): the order watchers
    /// read them in. Null in files written before it was kept; then the run's event count, which numbered its events.
    /// </summary>
    public long? ChangeNumber { get; set; }

    public static RunRecord From(RunDocument d, long changeNumber) => new()
    {
        Id = d.Id,
        Organization = d.Organization,
        MissionId = d.MissionId,
        Status = d.Status,
        OrgKey = Keys.Of(d.Organization, d.Id),
        MissionKey = Keys.Of(d.Organization, d.MissionId, d.Id),
        OrgStatusKey = Keys.Of(d.Organization, d.Status, d.Id),
        MissionStatusKey = Keys.Of(d.Organization, d.MissionId, d.Status, d.Id),
        StartedAt = d.StartedAt,
        UpdatedAt = d.UpdatedAt,
        FinishedAt = d.FinishedAt,
        InputJson = d.InputJson,
        MetadataJson = d.MetadataJson,
        ResultSummary = d.ResultSummary,
        ResultPayloadJson = d.ResultPayloadJson,
        Error = d.Error,
        ChangeNumber = changeNumber,
    };

    public RunDocument ToDocument() => new()
    {
        Id = Id,
        Organization = Organization,
        MissionId = MissionId,
        Status = Status,
        StartedAt = Times.Utc(StartedAt),
        UpdatedAt = Times.Utc(UpdatedAt),
        FinishedAt = Times.Utc(FinishedAt),
        InputJson = InputJson,
        MetadataJson = MetadataJson,
        ResultSummary = ResultSummary,
        ResultPayloadJson = ResultPayloadJson,
        Error = Error,
    };
}

internal sealed class StepRecord
{
    /// <summary>Organization, run, step id: unique per run by construction.</summary>
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string StepId { get; set; } = "";
    public int Sequence { get; set; }
    public string Description { get; set; } = "";
    public string Status { get; set; } = "";
    public string? ParentStepId { get; set; }
    public string? MetadataJson { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// <summary>A UUIDv7 taken at creation: the tie-break of equal sequences.</summary>
    public string Created { get; set; } = "";

    /// <summary>Organization, run, sortable sequence, creation: the plan's order.</summary>
    public string PlanKey { get; set; } = "";

    public static string IdOf(string organization, string runId, string stepId) => Keys.Of(organization, runId, Keys.Part(stepId));

    /// <summary>A new step's record; <paramref name="created"/> orders steps of equal sequence.</summary>
    public static StepRecord From(StepDocument d, string organization, string missionId, string created) => new()
    {
        Id = IdOf(organization, d.RunId, d.StepId),
        Organization = organization,
        MissionId = missionId,
        RunId = d.RunId,
        StepId = d.StepId,
        Sequence = d.Sequence,
        Description = d.Description,
        Status = d.Status,
        ParentStepId = d.ParentStepId,
        MetadataJson = d.MetadataJson,
        StartedAt = d.StartedAt,
        CompletedAt = d.CompletedAt,
        Created = created,
        PlanKey = Keys.Of(organization, d.RunId, SortableSequence(d.Sequence), created),
    };

    /// <summary>A sequence (any int) as a fixed-width string that sorts like the number.</summary>
    private static string SortableSequence(int sequence) =>
        ((long)sequence - int.MinValue).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

    public StepDocument ToDocument() => new()
    {
        StepId = StepId,
        RunId = RunId,
        Sequence = Sequence,
        Description = Description,
        Status = Status,
        ParentStepId = ParentStepId,
        MetadataJson = MetadataJson,
        StartedAt = Times.Utc(StartedAt),
        CompletedAt = Times.Utc(CompletedAt),
    };
}

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

    /// <summary>The UUIDv7 taken at linking (the end of <see cref="RunKey"/>).</summary>
    public Guid CreatedId() => Guid.Parse(RunKey.AsSpan(RunKey.LastIndexOf(Keys.Separator) + 1));

    public AgentLinkDocument ToDocument() => new(RunId, TelnyxAgentId, Times.Utc(CreatedAt));
}

internal sealed class AttachmentRecord
{
    /// <summary>Organization, mission, kind, item id: unique per mission and kind by construction.</summary>
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";

    /// <summary><see cref="AttachmentKind.Key"/>.</summary>
    public string Kind { get; set; } = "";
    public string ItemId { get; set; } = "";
    public string DefinitionJson { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Organization, mission, kind, UUIDv7 taken at creation: the list's order.</summary>
    public string MissionKey { get; set; } = "";

    public static string IdOf(string organization, string missionId, AttachmentKind kind, string itemId) =>
        Keys.Of(organization, missionId, kind.Key, Keys.Part(itemId));

    /// <summary>The UUIDv7 taken at creation (the end of <see cref="MissionKey"/>).</summary>
    public Guid CreatedId() => Guid.Parse(MissionKey.AsSpan(MissionKey.LastIndexOf(Keys.Separator) + 1));

    public AttachmentDocument ToDocument() => new(
        AttachmentKind.All.Single(k => k.Key == Kind),
        ItemId,
        MissionId,
        DefinitionJson,
        Times.Utc(CreatedAt),
        Times.Utc(UpdatedAt));
}
