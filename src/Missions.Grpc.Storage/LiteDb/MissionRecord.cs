using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

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
