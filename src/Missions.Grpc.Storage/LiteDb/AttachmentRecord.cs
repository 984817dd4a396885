using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

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
