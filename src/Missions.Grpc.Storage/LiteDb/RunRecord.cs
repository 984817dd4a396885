using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

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
