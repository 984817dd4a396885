namespace Missions.Grpc.Storage;

/// <summary>
/// A kind of mission attachment. The kinds differ only in names: one mechanism stores and serves them all.
/// </summary>
public sealed record AttachmentKind
{
    private AttachmentKind(string key, string noun)
    {
        Key = key;
        Noun = noun;
    }

    public static AttachmentKind Tool { get; } = new("tool", "Tool");
    public static AttachmentKind KnowledgeBase { get; } = new("knowledge_base", "Knowledge base");
    public static AttachmentKind McpServer { get; } = new("mcp_server", "MCP server");

    public static IReadOnlyList<AttachmentKind> All { get; } = [Tool, KnowledgeBase, McpServer];

    /// <summary>The kind in keys and names: <c>tool</c>, <c>knowledge_base</c>, <c>mcp_server</c>.</summary>
    public string Key { get; }

    /// <summary>How errors name it: "Tool not found", "Knowledge base not found", "MCP server not found".</summary>
    public string Noun { get; }

    /// <summary>The item's id key: <c>tool_id</c>, <c>knowledge_base_id</c>, <c>mcp_server_id</c>.</summary>
    public string IdField => Key + "_id";
}

/// <summary>
/// A stored attachment: the caller's definition (a JSON object, stored as given) and what the server manages.
/// </summary>
public sealed record AttachmentDocument(
    AttachmentKind Kind,
    string ItemId,
    string MissionId,
    string DefinitionJson,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>
/// The storage seam for mission attachments, one mechanism for every <see cref="AttachmentKind"/>. Every call
/// addresses the mission by organization ("Mission" not found otherwise); item ids are unique per mission and kind.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>The mission's items of one kind, in creation order.</summary>
    Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken = default);

    /// <summary>The mission with every item, by kind, read together (mission GET).</summary>
    Task<MissionWithAttachments> GetMissionWithAttachmentsAsync(string organization, Guid missionId, CancellationToken cancellationToken = default);

    /// <summary>Stores an item under <paramref name="itemId"/>, or a generated id when null; a taken id is a <see cref="ConflictException"/>.</summary>
    Task<AttachmentDocument> CreateAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string? itemId, string definitionJson, CancellationToken cancellationToken = default);

    Task<AttachmentDocument> GetAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the item's definition; its id and creation time stay, <c>updated_at</c> advances.</summary>
    Task<AttachmentDocument> ReplaceAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, string definitionJson, CancellationToken cancellationToken = default);

    Task DeleteAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default);
}

/// <summary>A mission and its items by kind, as one read saw them.</summary>
public sealed record MissionWithAttachments(MissionDocument Mission, IReadOnlyDictionary<AttachmentKind, IReadOnlyList<AttachmentDocument>> Attachments);
