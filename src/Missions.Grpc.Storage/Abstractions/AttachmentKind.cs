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
