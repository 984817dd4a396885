using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

internal sealed class WebhookRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";

    /// <summary>Organization + id: the organization's endpoints in creation order (a list, and a batch's fan-out).</summary>
    public string OrgKey { get; set; } = "";
    public string Url { get; set; } = "";
    public List<string> EventTypes { get; set; } = [];
    public string? MissionId { get; set; }
    public string? Description { get; set; }
    public bool Enabled { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public static WebhookRecord From(WebhookDocument d) => new()
    {
        Id = d.Id,
        Organization = d.Organization,
        OrgKey = Keys.Of(d.Organization, d.Id),
        Url = d.Url,
        EventTypes = [.. d.EventTypes],
        MissionId = d.MissionId,
        Description = d.Description,
        Enabled = d.Enabled,
        CreatedAt = d.CreatedAt,
        UpdatedAt = d.UpdatedAt,
    };

    public WebhookDocument ToDocument() => new()
    {
        Id = Id,
        Organization = Organization,
        Url = Url,
        EventTypes = EventTypes,
        MissionId = MissionId,
        Description = Description,
        Enabled = Enabled,
        CreatedAt = Times.Utc(CreatedAt),
        UpdatedAt = Times.Utc(UpdatedAt),
    };
}
