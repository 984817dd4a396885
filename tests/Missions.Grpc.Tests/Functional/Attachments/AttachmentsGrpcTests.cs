using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Attachments;

/// <summary>The fifteen attachment operations for native gRPC callers, each kind through the same checks.</summary>
public sealed class AttachmentsGrpcTests : AppTest
{
    /// <summary>One kind's five calls, so the same test drives every kind.</summary>
    private sealed record KindCalls(
        string IdKey,
        string Noun,
        Func<string, Task<AttachmentsResponse>> List,
        Func<string, Struct?, Task<AttachmentResponse>> Create,
        Func<string, string, Task<AttachmentResponse>> Get,
        Func<string, string, Struct?, Task<AttachmentResponse>> Replace,
        Func<string, string, Task<Empty>> Delete);

    private KindCalls Calls(string kind)
    {
        var client = new MissionAttachmentsService.MissionAttachmentsServiceClient(App.GrpcChannel());
        return kind switch
        {
            "tool" => new("tool_id", "Tool",
                m => client.ListToolsAsync(new ListAttachmentsRequest { MissionId = m }, Key(), Deadline).ResponseAsync,
                (m, d) => client.CreateToolAsync(new CreateAttachmentRequest { MissionId = m, Definition = d }, Key(), Deadline).ResponseAsync,
                (m, id) => client.GetToolAsync(new ToolRequest { MissionId = m, ToolId = id }, Key(), Deadline).ResponseAsync,
                (m, id, d) => client.ReplaceToolAsync(new ReplaceToolRequest { MissionId = m, ToolId = id, Definition = d }, Key(), Deadline).ResponseAsync,
                (m, id) => client.DeleteToolAsync(new ToolRequest { MissionId = m, ToolId = id }, Key(), Deadline).ResponseAsync),
            "knowledge_base" => new("knowledge_base_id", "Knowledge base",
                m => client.ListKnowledgeBasesAsync(new ListAttachmentsRequest { MissionId = m }, Key(), Deadline).ResponseAsync,
                (m, d) => client.CreateKnowledgeBaseAsync(new CreateAttachmentRequest { MissionId = m, Definition = d }, Key(), Deadline).ResponseAsync,
                (m, id) => client.GetKnowledgeBaseAsync(new KnowledgeBaseRequest { MissionId = m, KnowledgeBaseId = id }, Key(), Deadline).ResponseAsync,
                (m, id, d) => client.ReplaceKnowledgeBaseAsync(new ReplaceKnowledgeBaseRequest { MissionId = m, KnowledgeBaseId = id, Definition = d }, Key(), Deadline).ResponseAsync,
                (m, id) => client.DeleteKnowledgeBaseAsync(new KnowledgeBaseRequest { MissionId = m, KnowledgeBaseId = id }, Key(), Deadline).ResponseAsync),
            _ => new("mcp_server_id", "MCP server",
                m => client.ListMcpServersAsync(new ListAttachmentsRequest { MissionId = m }, Key(), Deadline).ResponseAsync,
                (m, d) => client.CreateMcpServerAsync(new CreateAttachmentRequest { MissionId = m, Definition = d }, Key(), Deadline).ResponseAsync,
                (m, id) => client.GetMcpServerAsync(new McpServerRequest { MissionId = m, McpServerId = id }, Key(), Deadline).ResponseAsync,
                (m, id, d) => client.ReplaceMcpServerAsync(new ReplaceMcpServerRequest { MissionId = m, McpServerId = id, Definition = d }, Key(), Deadline).ResponseAsync,
                (m, id) => client.DeleteMcpServerAsync(new McpServerRequest { MissionId = m, McpServerId = id }, Key(), Deadline).ResponseAsync),
        };
    }

    [Theory]
    [InlineData("tool")]
    [InlineData("knowledge_base")]
    [InlineData("mcp_server")]
    public async Task Every_operation_of_a_kind(string kind)
    {
        var calls = Calls(kind);
        var missionId = (await App.Grpc().CreateMissionAsync(new CreateMissionRequest { Name = "attachments" }, Key(), Deadline)).Data.MissionId;

        var generated = (await calls.Create(missionId, null)).Data;
        var chosen = (await calls.Create(missionId, Struct.Parser.ParseJson($$"""{"{{calls.IdKey}}":"x1","name":"one"}"""))).Data;
        var duplicate = await Assert.ThrowsAsync<RpcException>(() => calls.Create(missionId, Struct.Parser.ParseJson($$"""{"{{calls.IdKey}}":"x1"}""")));
        var badId = await Assert.ThrowsAsync<RpcException>(() => calls.Create(missionId, Struct.Parser.ParseJson($$"""{"{{calls.IdKey}}":""}""")));
        var listed = (await calls.List(missionId)).Data;
        var got = (await calls.Get(missionId, "x1")).Data;
        var replaced = (await calls.Replace(missionId, "x1", Struct.Parser.ParseJson("""{"name":"two"}"""))).Data;
        await calls.Delete(missionId, "x1");
        var gone = await Assert.ThrowsAsync<RpcException>(() => calls.Get(missionId, "x1"));
        var noMission = await Assert.ThrowsAsync<RpcException>(() => calls.List("nope"));

        Assert.Equal(7, Guid.Parse(generated.Fields[calls.IdKey].StringValue).Version);
        Assert.Equal(missionId, generated.Fields["mission_id"].StringValue);
        Assert.Equal("one", chosen.Fields["name"].StringValue);
        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);
        Assert.Equal("x1", duplicate.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Metadata[calls.IdKey]);
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.Equal($"definition.{calls.IdKey} string_too_short",
            badId.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => $"{v.Field} {v.Reason}").Single());
        Assert.Equal([generated.Fields[calls.IdKey].StringValue, "x1"], listed.Select(i => i.Fields[calls.IdKey].StringValue));
        Assert.Equal(chosen, got);
        Assert.Equal("two", replaced.Fields["name"].StringValue);
        Assert.Equal(chosen.Fields["created_at"], replaced.Fields["created_at"]);
        Assert.Equal((StatusCode.NotFound, $"{calls.Noun} not found"), (gone.StatusCode, gone.Status.Detail));
        Assert.Equal((StatusCode.NotFound, "Mission not found"), (noMission.StatusCode, noMission.Status.Detail));
        var details = (await App.Grpc().GetMissionAsync(new GetMissionRequest { MissionId = missionId }, Key(), Deadline)).Data;
        Assert.Equal(1, details.Tools.Count + details.KnowledgeBases.Count + details.McpServers.Count);
    }
}
