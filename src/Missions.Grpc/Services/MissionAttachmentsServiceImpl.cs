using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.Idempotency;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Services;

/// <summary>
/// Tools, knowledge bases and MCP servers: the spec's fifteen operations as one mechanism. Each RPC only
/// names its <see cref="AttachmentKind"/>; the five shared handlers below do the work for every kind.
/// </summary>
internal sealed class MissionAttachmentsServiceImpl(IAttachmentStore store, CallerContext caller)
    : MissionAttachmentsService.MissionAttachmentsServiceBase
{
    private static readonly AttachmentKind Tool = AttachmentKind.Tool;
    private static readonly AttachmentKind KnowledgeBase = AttachmentKind.KnowledgeBase;
    private static readonly AttachmentKind McpServer = AttachmentKind.McpServer;

    public override Task<AttachmentsResponse> ListTools(ListAttachmentsRequest request, ServerCallContext context) => List(Tool, request.MissionId, context);
    public override Task<AttachmentResponse> CreateTool(CreateAttachmentRequest request, ServerCallContext context) => Create(Tool, request, context);
    public override Task<AttachmentResponse> GetTool(ToolRequest request, ServerCallContext context) => Get(Tool, request.MissionId, request.ToolId, context);
    public override Task<AttachmentResponse> ReplaceTool(ReplaceToolRequest request, ServerCallContext context) =>
        Replace(Tool, request.MissionId, request.ToolId, request.Definition, context);
    public override Task<Empty> DeleteTool(ToolRequest request, ServerCallContext context) => Delete(Tool, request.MissionId, request.ToolId, context);

    public override Task<AttachmentsResponse> ListKnowledgeBases(ListAttachmentsRequest request, ServerCallContext context) => List(KnowledgeBase, request.MissionId, context);
    public override Task<AttachmentResponse> CreateKnowledgeBase(CreateAttachmentRequest request, ServerCallContext context) => Create(KnowledgeBase, request, context);
    public override Task<AttachmentResponse> GetKnowledgeBase(KnowledgeBaseRequest request, ServerCallContext context) =>
        Get(KnowledgeBase, request.MissionId, request.KnowledgeBaseId, context);
    public override Task<AttachmentResponse> ReplaceKnowledgeBase(ReplaceKnowledgeBaseRequest request, ServerCallContext context) =>
        Replace(KnowledgeBase, request.MissionId, request.KnowledgeBaseId, request.Definition, context);
    public override Task<Empty> DeleteKnowledgeBase(KnowledgeBaseRequest request, ServerCallContext context) =>
        Delete(KnowledgeBase, request.MissionId, request.KnowledgeBaseId, context);

    public override Task<AttachmentsResponse> ListMcpServers(ListAttachmentsRequest request, ServerCallContext context) => List(McpServer, request.MissionId, context);
    public override Task<AttachmentResponse> CreateMcpServer(CreateAttachmentRequest request, ServerCallContext context) => Create(McpServer, request, context);
    public override Task<AttachmentResponse> GetMcpServer(McpServerRequest request, ServerCallContext context) =>
        Get(McpServer, request.MissionId, request.McpServerId, context);
    public override Task<AttachmentResponse> ReplaceMcpServer(ReplaceMcpServerRequest request, ServerCallContext context) =>
        Replace(McpServer, request.MissionId, request.McpServerId, request.Definition, context);
    public override Task<Empty> DeleteMcpServer(McpServerRequest request, ServerCallContext context) =>
        Delete(McpServer, request.MissionId, request.McpServerId, context);

    private async Task<AttachmentsResponse> List(AttachmentKind kind, string missionId, ServerCallContext context) => new()
    {
        Data = { (await store.ListAttachmentsAsync(caller.Organization, Mission(missionId), kind, context.CancellationToken)).Select(a => a.ToItem()) },
    };

    private async Task<AttachmentResponse> Create(AttachmentKind kind, CreateAttachmentRequest request, ServerCallContext context)
    {
        var mission = Mission(request.MissionId);
        var id = AttachmentMapping.ChosenId(request.Definition, kind);
        var created = await store.CreateAttachmentAsync(caller.Organization, mission, kind, id,
            AttachmentMapping.ToDefinitionJson(request.Definition, kind), context.Idempotency(), context.CancellationToken);
        return new AttachmentResponse { Data = created.ToItem() };
    }

    private async Task<AttachmentResponse> Get(AttachmentKind kind, string missionId, string itemId, ServerCallContext context) => new()
    {
        Data = (await store.GetAttachmentAsync(caller.Organization, Mission(missionId), kind, itemId, context.CancellationToken)).ToItem(),
    };

    private async Task<AttachmentResponse> Replace(AttachmentKind kind, string missionId, string itemId, Struct? definition, ServerCallContext context) => new()
    {
        Data = (await store.ReplaceAttachmentAsync(caller.Organization, Mission(missionId), kind, itemId,
            AttachmentMapping.ToDefinitionJson(definition, kind), context.Idempotency(), context.CancellationToken)).ToItem(),
    };

    private async Task<Empty> Delete(AttachmentKind kind, string missionId, string itemId, ServerCallContext context)
    {
        await store.DeleteAttachmentAsync(caller.Organization, Mission(missionId), kind, itemId, context.Idempotency(), context.CancellationToken);
        return new Empty();
    }

    /// <summary>The spec types these paths' mission id as a plain string: anything that names no mission is 404.</summary>
    private static Guid Mission(string missionId) =>
        UuidText.TryParse(missionId, out var id) ? id : throw new ResourceNotFoundException("Mission");
}
