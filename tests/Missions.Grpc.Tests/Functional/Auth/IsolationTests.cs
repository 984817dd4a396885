using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;
using EventType = Missions.Grpc.V1.RunEvent.Types.Type;
using RunStatus = Missions.Grpc.V1.MissionRun.Types.Status;
using StepStatus = Missions.Grpc.V1.PlanStep.Types.Status;

namespace Missions.Grpc.Tests.Functional.Auth;

/// <summary>
/// Organization isolation over every route and every RPC: a key of organization B, addressing any
/// resource of organization A (mission, run, plan, step, event, agent link, tool, knowledge base, MCP
/// server, watch), gets 404 <c>Mission not found</c> (gRPC: NOT_FOUND) — never A's data, never 403,
/// never 2xx, never a 409/422 that would betray what exists — and A's resources are unchanged afterwards.
/// The tables are checked against the endpoints and RPCs the app serves, so a new route without a row fails.
/// </summary>
public sealed class IsolationTests : AppTest
{
    private const string MissionNotFound = """{"detail":"Mission not found"}""";
    private const string WebhookNotFound = """{"detail":"Webhook not found"}""";

    /// <summary>What B must get on a route.</summary>
    public enum Expect
    {
        /// <summary>404 <c>{"detail":"Mission not found"}</c> (gRPC: NOT_FOUND "Mission not found").</summary>
        MissionNotFound,

        /// <summary>
        /// Exception: a list with no mission in its path cannot answer 404; B sees its own organization,
        /// which is empty: 200, <c>data</c> [] and <c>total_results</c> 0.
        /// </summary>
        EmptyList,

        /// <summary>
        /// Exception: creating a mission addresses no resource of A; B gets 201 and a mission of its own,
        /// which A cannot see.
        /// </summary>
        CreatesOwnMission,

        /// <summary>404 "Webhook not found": the organization's own resources beside its missions.</summary>
        WebhookNotFound,

        /// <summary>201 with a new webhook of B, which A cannot read.</summary>
        CreatesOwnWebhook,

        /// <summary>200 with what every organization gets alike (the webhooks' public key).</summary>
        Shared,
    }

    /// <summary>One REST route: method, the template exactly as its http rule declares it, B's body for writes.</summary>
    public sealed record RestRow(string Method, string Template, string? Body = null, Expect Expect = Expect.MissionNotFound);

    private const string M = "/v2/ai/missions/{mission_id}";
    private const string R = M + "/runs/{run_id}";
    private const string W = "/v2/ai/mission-webhooks/{webhook_id}";

    /// <summary>Every REST route of the app, one row each (checked against the app's endpoints).</summary>
    public static readonly RestRow[] RestRoutes =
    [
        // The exceptions: no mission in the path, so nothing of A is addressed.
        new("GET", "/v2/ai/missions", Expect: Expect.EmptyList),
        new("GET", "/v2/ai/missions/runs", Expect: Expect.EmptyList),
        new("GET", "/v2/ai/missions/events", Expect: Expect.EmptyList),
        new("POST", "/v2/ai/missions", """{"name":"B's own"}""", Expect.CreatesOwnMission),

        // Missions.
        new("GET", M),
        new("PUT", M, """{"name":"taken by B","description":"changed by B","metadata":{"by":"b"}}"""),
        new("POST", M + "/clone"),
        new("DELETE", M),

        // Runs.
        new("GET", M + "/runs"),
        new("POST", M + "/runs", """{"input":{"by":"b"}}"""),
        new("GET", R),
        new("PATCH", R, """{"status":"running","result_summary":"by B"}"""),
        new("POST", R + "/cancel"),
        new("POST", R + "/pause"), // A's run is pending: a 409 here would betray it
        new("POST", R + "/resume"),
        new("GET", R + "/watch"),
        new("GET", M + "/stats"),

        // Plan (A already has one: a 409 on create would betray it).
        new("GET", R + "/plan"),
        new("POST", R + "/plan", """{"steps":[{"step_id":"b-step","description":"by B","sequence":0}]}"""),
        new("POST", R + "/plan/steps", """{"steps":[{"step_id":"b-added","description":"by B","sequence":1}]}"""),
        new("GET", R + "/plan/steps/{step_id}"),
        new("PATCH", R + "/plan/steps/{step_id}", """{"status":"in_progress"}"""),

        // Events.
        new("GET", R + "/events"),
        new("POST", R + "/events", """{"type":"message","summary":"by B"}"""),
        new("GET", R + "/events/{event_id}"),

        // Telnyx agents.
        new("GET", R + "/telnyx-agents"),
        new("POST", R + "/telnyx-agents", """{"telnyx_agent_id":"agent-b"}"""),
        new("DELETE", R + "/telnyx-agents/{telnyx_agent_id}"),

        // Tools, knowledge bases, MCP servers.
        new("GET", M + "/tools"),
        new("POST", M + "/tools", """{"tool_id":"b-tool"}"""),
        new("GET", M + "/tools/{tool_id}"),
        new("PUT", M + "/tools/{tool_id}", """{"name":"by B"}"""),
        new("DELETE", M + "/tools/{tool_id}"),
        new("GET", M + "/knowledge-bases"),
        new("POST", M + "/knowledge-bases", """{"knowledge_base_id":"b-kb"}"""),
        new("GET", M + "/knowledge-bases/{knowledge_base_id}"),
        new("PUT", M + "/knowledge-bases/{knowledge_base_id}", """{"name":"by B"}"""),
        new("DELETE", M + "/knowledge-bases/{knowledge_base_id}"),
        new("GET", M + "/mcp-servers"),
        new("POST", M + "/mcp-servers", """{"mcp_server_id":"b-mcp"}"""),
        new("GET", M + "/mcp-servers/{mcp_server_id}"),
        new("PUT", M + "/mcp-servers/{mcp_server_id}", """{"name":"by B"}"""),
        new("DELETE", M + "/mcp-servers/{mcp_server_id}"),

        // Webhooks: the organization's own, beside its missions.
        new("GET", "/v2/ai/mission-webhooks", Expect: Expect.EmptyList),
        new("POST", "/v2/ai/mission-webhooks", """{"url":"https://hooks.example.com/b"}""", Expect.CreatesOwnWebhook),
        new("GET", "/v2/ai/mission-webhooks/public-key", Expect: Expect.Shared),
        new("GET", W, Expect: Expect.WebhookNotFound),
        new("PATCH", W, """{"url":"https://hooks.example.com/taken-by-b","enabled":false}""", Expect.WebhookNotFound),
        new("DELETE", W, Expect: Expect.WebhookNotFound),
        new("GET", W + "/deliveries", Expect: Expect.WebhookNotFound),
        new("POST", W + "/deliveries/{delivery_id}/retry", Expect: Expect.WebhookNotFound),
        new("POST", W + "/test", Expect: Expect.WebhookNotFound),
    ];

    /// <summary>Organization A's resources.</summary>
    private sealed record OrgA(string MissionId, string RunId, string EventId, string WebhookId = "w", string DeliveryId = "d")
    {
        public const string StepId = "s1";
        public const string AgentId = "agent-1";
        public const string ToolId = "t1";
        public const string KnowledgeBaseId = "kb1";
        public const string McpServerId = "mcp1";

        public string Fill(string template) => template
            .Replace("{mission_id}", MissionId)
            .Replace("{run_id}", RunId)
            .Replace("{event_id}", EventId)
            .Replace("{step_id}", StepId)
            .Replace("{telnyx_agent_id}", AgentId)
            .Replace("{tool_id}", ToolId)
            .Replace("{knowledge_base_id}", KnowledgeBaseId)
            .Replace("{mcp_server_id}", McpServerId)
            .Replace("{webhook_id}", WebhookId)
            .Replace("{delivery_id}", DeliveryId);
    }

    private HttpClient ClientA => field ??= App.Rest(TestKeys.KeyA);

    private HttpClient ClientB => field ??= App.Rest(TestKeys.KeyB);

    [Fact]
    public void Isolation_table_has_one_row_per_rest_route_of_the_app()
    {
        var served = App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>())
            .OfType<GrpcJsonTranscodingMetadata>()
            .Select(m => TranscodedRoutes.MethodAndTemplate(m.HttpRule))
            .ToHashSet();
        var table = RestRoutes.Select(r => (r.Method, r.Template)).ToList();

        Assert.Equal(table.Count, table.Distinct().Count()); // no route twice
        Assert.Equal(52, served.Count); // the 41 spec operations, the watch, the mission stats and the 9 of webhooks
        Assert.Empty(served.Except(table).Select(r => $"{r.Method} {r.Template}")); // served, no row
        Assert.Empty(table.Except(served).Select(r => $"{r.Method} {r.Template}")); // row, not served
    }

    [Fact]
    public async Task Isolation_over_rest_org_b_gets_404_on_every_route_and_changes_nothing_of_org_a()
    {
        var a = await SetUpOrgAAsync();
        var before = await SnapshotAsync(a);
        var failures = new List<string>();

        foreach (var row in RestRoutes.OrderBy(r => Phase(r.Method, r.Template.EndsWith("/cancel"), r.Template == M, r.Expect)))
        {
            var path = a.Fill(row.Template);
            var (status, body) = await SendAsync(ClientB, row.Method, path, row.Body);
            var failure = row.Expect switch
            {
                Expect.MissionNotFound => status == HttpStatusCode.NotFound && body == MissionNotFound
                    ? null
                    : $"expected 404 {MissionNotFound}",
                Expect.WebhookNotFound => status == HttpStatusCode.NotFound && body == WebhookNotFound
                    ? null
                    : $"expected 404 {WebhookNotFound}",
                Expect.EmptyList => IsEmptyList(status, body) ? null : "expected 200 with data [] and total_results 0",
                Expect.Shared => status == HttpStatusCode.OK && body == (await SendAsync(ClientA, row.Method, path, null)).Body ? null : "expected 200, as A gets it",
                Expect.CreatesOwnWebhook => await CreatedOwnWebhookAsync(status, body),
                _ => await CreatedOwnMissionAsync(status, body),
            };
            if (failure is null && (body.Contains(a.MissionId) || body.Contains(a.RunId) || body.Contains(a.EventId) || body.Contains(a.WebhookId)))
            {
                failure = "the body names a resource of A";
            }
            if (failure is not null)
            {
                failures.Add($"{row.Method} {row.Template}: {failure}; got {(int)status} {body}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} route(s) broke isolation:\n" + string.Join("\n", failures));
        await AssertUnchangedAsync(a, before);
    }

    [Fact]
    public void Isolation_table_has_one_row_per_rpc_of_the_app()
    {
        var served = App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName.TrimStart('/'))
            .OfType<string>()
            .Where(name => name.StartsWith("missions.v1.", StringComparison.Ordinal))
            .ToHashSet();
        var table = RpcTable(new GrpcClients(App), new OrgA("m", "r", "e"), new Metadata()).Select(r => r.Name).ToList();

        Assert.Equal(table.Count, table.Distinct().Count());
        Assert.Equal(52, served.Count);
        Assert.Empty(served.Except(table)); // served, no row
        Assert.Empty(table.Except(served)); // row, not served
    }

    [Fact]
    public async Task Isolation_over_grpc_org_b_gets_not_found_on_every_rpc_and_changes_nothing_of_org_a()
    {
        var a = await SetUpOrgAAsync();
        var before = await SnapshotAsync(a);
        var failures = new List<string>();
        var clients = new GrpcClients(App);

        foreach (var row in RpcTable(clients, a, Key(TestKeys.KeyB)).OrderBy(r => r.Phase))
        {
            string? failure;
            try
            {
                var response = await row.Call();
                var json = JsonWithDefaults.Format(response);
                failure = row.Expect switch
                {
                    Expect.EmptyList => IsEmptyList(HttpStatusCode.OK, json) ? null : "expected data [] and total_results 0",
                    Expect.CreatesOwnMission => await CreatedOwnMissionAsync(HttpStatusCode.Created, json),
                    Expect.CreatesOwnWebhook => await CreatedOwnWebhookAsync(HttpStatusCode.Created, json),
                    Expect.Shared => null,
                    _ => "expected NOT_FOUND",
                };
                if (failure is not null)
                {
                    failure += $"; got OK {json}";
                }
            }
            catch (RpcException e)
            {
                var notFound = row.Expect switch
                {
                    Expect.MissionNotFound => "Mission not found",
                    Expect.WebhookNotFound => "Webhook not found",
                    _ => null,
                };
                failure = notFound is not null && e.StatusCode == StatusCode.NotFound && e.Status.Detail == notFound
                    ? null
                    : $"expected {(notFound is null ? "OK" : $"NOT_FOUND \"{notFound}\"")}; got {e.StatusCode} \"{e.Status.Detail}\"";
            }
            if (failure is not null)
            {
                failures.Add($"{row.Name}: {failure}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} RPC(s) broke isolation:\n" + string.Join("\n", failures));
        await AssertUnchangedAsync(a, before);
    }

    /// <summary>One RPC: its full name, what B must get, and the call (B's key in <c>key</c>).</summary>
    private sealed record RpcRow(string Name, Expect Expect, Func<Task<IMessage>> Call)
    {
        private string Method => Name[(Name.IndexOf('/') + 1)..];

        public int Phase => IsolationTests.Phase(
            Method.StartsWith("Get") || Method.StartsWith("List") || Method.StartsWith("Watch") ? "GET"
                : Method.StartsWith("Delete") || Method.StartsWith("Unlink") ? "DELETE" : "POST",
            Method == "CancelRun", Method == "DeleteMission", Expect);
    }

    /// <summary>
    /// The order B's calls run in, so that one leak cannot hide another: reads, then writes, then the
    /// cancel (it ends A's run), then deletes of A's items, then the mission delete (it would remove
    /// everything), and last B's own mission create (until then B's organization is empty).
    /// </summary>
    private static int Phase(string method, bool isCancel, bool isMission, Expect expect) =>
        expect is Expect.CreatesOwnMission or Expect.CreatesOwnWebhook ? 5
        : method == "GET" ? 0
        : isCancel ? 2
        : method != "DELETE" ? 1
        : isMission ? 4
        : 3;

    private sealed class GrpcClients(MissionsApp app)
    {
        public MissionsService.MissionsServiceClient Missions { get; } = new(app.GrpcChannel());
        public MissionRunsService.MissionRunsServiceClient Runs { get; } = new(app.GrpcChannel());
        public RunPlansService.RunPlansServiceClient Plans { get; } = new(app.GrpcChannel());
        public RunEventsService.RunEventsServiceClient Events { get; } = new(app.GrpcChannel());
        public RunTelnyxAgentsService.RunTelnyxAgentsServiceClient Agents { get; } = new(app.GrpcChannel());
        public MissionAttachmentsService.MissionAttachmentsServiceClient Attachments { get; } = new(app.GrpcChannel());
        public RunWatchService.RunWatchServiceClient Watch { get; } = new(app.GrpcChannel());
        public MissionWebhooksService.MissionWebhooksServiceClient Webhooks { get; } = new(app.GrpcChannel());
    }

    /// <summary>Every RPC of the app, one row each (checked against the app's gRPC endpoints).</summary>
    private static List<RpcRow> RpcTable(GrpcClients c, OrgA a, Metadata key)
    {
        var (m, r, w) = (a.MissionId, a.RunId, a.WebhookId);
        static RpcRow Row<T>(string name, Func<AsyncUnaryCall<T>> call, Expect expect = Expect.MissionNotFound) where T : IMessage =>
            new(name, expect, async () => await call().ResponseAsync);
        static Struct Definition(string json) => Struct.Parser.ParseJson(json);
        static CreatePlanStepRequest Step(string id, int sequence) => new() { StepId = id, Description = "by B", Sequence = sequence };
        const string S = "missions.v1.";

        return
        [
            // The exceptions (as over REST).
            Row(S + "MissionsService/ListMissions", () => c.Missions.ListMissionsAsync(new ListMissionsRequest(), key, Deadline), Expect.EmptyList),
            Row(S + "MissionRunsService/ListRecentRuns", () => c.Runs.ListRecentRunsAsync(new ListRecentRunsRequest(), key, Deadline), Expect.EmptyList),
            Row(S + "RunEventsService/ListRecentEvents", () => c.Events.ListRecentEventsAsync(new ListRecentEventsRequest(), key, Deadline), Expect.EmptyList),
            Row(S + "MissionsService/CreateMission", () => c.Missions.CreateMissionAsync(new CreateMissionRequest { Name = "B's own" }, key, Deadline), Expect.CreatesOwnMission),

            Row(S + "MissionsService/GetMission", () => c.Missions.GetMissionAsync(new GetMissionRequest { MissionId = m }, key, Deadline)),
            Row(S + "MissionsService/UpdateMission", () => c.Missions.UpdateMissionAsync(
                new UpdateMissionRequest { MissionId = m, Name = "taken by B", Description = "changed by B" }, key, Deadline)),
            Row(S + "MissionsService/CloneMission", () => c.Missions.CloneMissionAsync(new CloneMissionRequest { MissionId = m }, key, Deadline)),
            Row(S + "MissionsService/DeleteMission", () => c.Missions.DeleteMissionAsync(new DeleteMissionRequest { MissionId = m }, key, Deadline)),

            Row(S + "MissionRunsService/ListRuns", () => c.Runs.ListRunsAsync(new ListRunsRequest { MissionId = m }, key, Deadline)),
            Row(S + "MissionRunsService/CreateRun", () => c.Runs.CreateRunAsync(
                new CreateRunRequest { MissionId = m, Input = Definition("""{"by":"b"}""") }, key, Deadline)),
            Row(S + "MissionRunsService/GetRun", () => c.Runs.GetRunAsync(new GetRunRequest { MissionId = m, RunId = r }, key, Deadline)),
            Row(S + "MissionRunsService/UpdateRun", () => c.Runs.UpdateRunAsync(
                new UpdateRunRequest { MissionId = m, RunId = r, Status = RunStatus.Running, ResultSummary = "by B" }, key, Deadline)),
            Row(S + "MissionRunsService/CancelRun", () => c.Runs.CancelRunAsync(new CancelRunRequest { MissionId = m, RunId = r }, key, Deadline)),
            Row(S + "MissionRunsService/PauseRun", () => c.Runs.PauseRunAsync(new PauseRunRequest { MissionId = m, RunId = r }, key, Deadline)),
            Row(S + "MissionRunsService/ResumeRun", () => c.Runs.ResumeRunAsync(new ResumeRunRequest { MissionId = m, RunId = r }, key, Deadline)),
            Row(S + "MissionRunsService/GetMissionStats", () => c.Runs.GetMissionStatsAsync(new GetMissionStatsRequest { MissionId = m }, key, Deadline)),
            new(S + "RunWatchService/WatchRun", Expect.MissionNotFound, async () =>
            {
                using var call = c.Watch.WatchRun(new WatchRunRequest { MissionId = m, RunId = r }, key, DateTime.UtcNow.AddSeconds(5));
                return await call.ResponseStream.MoveNext() ? call.ResponseStream.Current : new Empty();
            }),

            Row(S + "RunPlansService/GetPlan", () => c.Plans.GetPlanAsync(new GetPlanRequest { MissionId = m, RunId = r }, key, Deadline)),
            Row(S + "RunPlansService/CreatePlan", () => c.Plans.CreatePlanAsync(
                new CreatePlanRequest { MissionId = m, RunId = r, Steps = { Step("b-step", 0) } }, key, Deadline)),
            Row(S + "RunPlansService/AddPlanSteps", () => c.Plans.AddPlanStepsAsync(
                new AddPlanStepsRequest { MissionId = m, RunId = r, Steps = { Step("b-added", 1) } }, key, Deadline)),
            Row(S + "RunPlansService/GetStep", () => c.Plans.GetStepAsync(new GetStepRequest { MissionId = m, RunId = r, StepId = OrgA.StepId }, key, Deadline)),
            Row(S + "RunPlansService/UpdateStep", () => c.Plans.UpdateStepAsync(
                new UpdateStepRequest { MissionId = m, RunId = r, StepId = OrgA.StepId, Status = StepStatus.InProgress }, key, Deadline)),

            Row(S + "RunEventsService/ListRunEvents", () => c.Events.ListRunEventsAsync(new ListRunEventsRequest { MissionId = m, RunId = r }, key, Deadline)),
            Row(S + "RunEventsService/LogEvent", () => c.Events.LogEventAsync(
                new LogEventRequest { MissionId = m, RunId = r, Type = EventType.Message, Summary = "by B" }, key, Deadline)),
            Row(S + "RunEventsService/GetEvent", () => c.Events.GetEventAsync(new GetEventRequest { MissionId = m, RunId = r, EventId = a.EventId }, key, Deadline)),

            Row(S + "RunTelnyxAgentsService/ListTelnyxAgents", () => c.Agents.ListTelnyxAgentsAsync(
                new ListTelnyxAgentsRequest { MissionId = m, RunId = r }, key, Deadline)),
            Row(S + "RunTelnyxAgentsService/LinkTelnyxAgent", () => c.Agents.LinkTelnyxAgentAsync(
                new LinkTelnyxAgentRequest { MissionId = m, RunId = r, TelnyxAgentId = "agent-b" }, key, Deadline)),
            Row(S + "RunTelnyxAgentsService/UnlinkTelnyxAgent", () => c.Agents.UnlinkTelnyxAgentAsync(
                new UnlinkTelnyxAgentRequest { MissionId = m, RunId = r, TelnyxAgentId = OrgA.AgentId }, key, Deadline)),

            Row(S + "MissionAttachmentsService/ListTools", () => c.Attachments.ListToolsAsync(new ListAttachmentsRequest { MissionId = m }, key, Deadline)),
            Row(S + "MissionAttachmentsService/CreateTool", () => c.Attachments.CreateToolAsync(
                new CreateAttachmentRequest { MissionId = m, Definition = Definition("""{"tool_id":"b-tool"}""") }, key, Deadline)),
            Row(S + "MissionAttachmentsService/GetTool", () => c.Attachments.GetToolAsync(new ToolRequest { MissionId = m, ToolId = OrgA.ToolId }, key, Deadline)),
            Row(S + "MissionAttachmentsService/ReplaceTool", () => c.Attachments.ReplaceToolAsync(
                new ReplaceToolRequest { MissionId = m, ToolId = OrgA.ToolId, Definition = Definition("""{"name":"by B"}""") }, key, Deadline)),
            Row(S + "MissionAttachmentsService/DeleteTool", () => c.Attachments.DeleteToolAsync(new ToolRequest { MissionId = m, ToolId = OrgA.ToolId }, key, Deadline)),
            Row(S + "MissionAttachmentsService/ListKnowledgeBases", () => c.Attachments.ListKnowledgeBasesAsync(new ListAttachmentsRequest { MissionId = m }, key, Deadline)),
            Row(S + "MissionAttachmentsService/CreateKnowledgeBase", () => c.Attachments.CreateKnowledgeBaseAsync(
                new CreateAttachmentRequest { MissionId = m, Definition = Definition("""{"knowledge_base_id":"b-kb"}""") }, key, Deadline)),
            Row(S + "MissionAttachmentsService/GetKnowledgeBase", () => c.Attachments.GetKnowledgeBaseAsync(
                new KnowledgeBaseRequest { MissionId = m, KnowledgeBaseId = OrgA.KnowledgeBaseId }, key, Deadline)),
            Row(S + "MissionAttachmentsService/ReplaceKnowledgeBase", () => c.Attachments.ReplaceKnowledgeBaseAsync(
                new ReplaceKnowledgeBaseRequest { MissionId = m, KnowledgeBaseId = OrgA.KnowledgeBaseId, Definition = Definition("""{"name":"by B"}""") }, key, Deadline)),
            Row(S + "MissionAttachmentsService/DeleteKnowledgeBase", () => c.Attachments.DeleteKnowledgeBaseAsync(
                new KnowledgeBaseRequest { MissionId = m, KnowledgeBaseId = OrgA.KnowledgeBaseId }, key, Deadline)),
            Row(S + "MissionAttachmentsService/ListMcpServers", () => c.Attachments.ListMcpServersAsync(new ListAttachmentsRequest { MissionId = m }, key, Deadline)),
            Row(S + "MissionAttachmentsService/CreateMcpServer", () => c.Attachments.CreateMcpServerAsync(
                new CreateAttachmentRequest { MissionId = m, Definition = Definition("""{"mcp_server_id":"b-mcp"}""") }, key, Deadline)),
            Row(S + "MissionAttachmentsService/GetMcpServer", () => c.Attachments.GetMcpServerAsync(
                new McpServerRequest { MissionId = m, McpServerId = OrgA.McpServerId }, key, Deadline)),
            Row(S + "MissionAttachmentsService/ReplaceMcpServer", () => c.Attachments.ReplaceMcpServerAsync(
                new ReplaceMcpServerRequest { MissionId = m, McpServerId = OrgA.McpServerId, Definition = Definition("""{"name":"by B"}""") }, key, Deadline)),
            Row(S + "MissionAttachmentsService/DeleteMcpServer", () => c.Attachments.DeleteMcpServerAsync(
                new McpServerRequest { MissionId = m, McpServerId = OrgA.McpServerId }, key, Deadline)),

            Row(S + "MissionWebhooksService/ListWebhooks", () => c.Webhooks.ListWebhooksAsync(new ListWebhooksRequest(), key, Deadline), Expect.EmptyList),
            Row(S + "MissionWebhooksService/CreateWebhook", () => c.Webhooks.CreateWebhookAsync(
                new CreateWebhookRequest { Url = "https://hooks.example.com/b" }, key, Deadline), Expect.CreatesOwnWebhook),
            Row(S + "MissionWebhooksService/GetWebhookPublicKey", () => c.Webhooks.GetWebhookPublicKeyAsync(new GetWebhookPublicKeyRequest(), key, Deadline), Expect.Shared),
            Row(S + "MissionWebhooksService/GetWebhook", () => c.Webhooks.GetWebhookAsync(new GetWebhookRequest { WebhookId = w }, key, Deadline), Expect.WebhookNotFound),
            Row(S + "MissionWebhooksService/UpdateWebhook", () => c.Webhooks.UpdateWebhookAsync(
                new UpdateWebhookRequest { WebhookId = w, Url = "https://hooks.example.com/taken-by-b", Enabled = false }, key, Deadline), Expect.WebhookNotFound),
            Row(S + "MissionWebhooksService/DeleteWebhook", () => c.Webhooks.DeleteWebhookAsync(new DeleteWebhookRequest { WebhookId = w }, key, Deadline), Expect.WebhookNotFound),
            Row(S + "MissionWebhooksService/ListWebhookDeliveries", () => c.Webhooks.ListWebhookDeliveriesAsync(
                new ListWebhookDeliveriesRequest { WebhookId = w }, key, Deadline), Expect.WebhookNotFound),
            Row(S + "MissionWebhooksService/RetryWebhookDelivery", () => c.Webhooks.RetryWebhookDeliveryAsync(
                new RetryWebhookDeliveryRequest { WebhookId = w, DeliveryId = a.DeliveryId }, key, Deadline), Expect.WebhookNotFound),
            Row(S + "MissionWebhooksService/TestWebhook", () => c.Webhooks.TestWebhookAsync(new TestWebhookRequest { WebhookId = w }, key, Deadline), Expect.WebhookNotFound),
        ];
    }

    private static readonly JsonFormatter JsonWithDefaults = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    /// <summary>A's mission with a run, a plan with a step, an event, a linked agent and one of each attachment.</summary>
    private async Task<OrgA> SetUpOrgAAsync()
    {
        var (run, missionId, runId) = await ClientA.NewRunAsync();
        var mission = $"{RestCalls.Missions}/{missionId}";
        async Task<JsonNode?> CreateAsync(string path, string body)
        {
            var (status, json, _) = await ClientA.SendAsync(HttpMethod.Post, path, body);
            Assert.Equal(HttpStatusCode.Created, status);
            return json;
        }
        await CreateAsync($"{run}/plan", $$"""{"steps":[{"step_id":"{{OrgA.StepId}}","description":"A's step","sequence":0}]}""");
        var logged = await CreateAsync($"{run}/events", $$"""{"type":"tool_call","summary":"A's event","step_id":"{{OrgA.StepId}}"}""");
        await CreateAsync($"{run}/telnyx-agents", $$"""{"telnyx_agent_id":"{{OrgA.AgentId}}"}""");
        await CreateAsync($"{mission}/tools", $$"""{"tool_id":"{{OrgA.ToolId}}","name":"A's tool"}""");
        await CreateAsync($"{mission}/knowledge-bases", $$"""{"knowledge_base_id":"{{OrgA.KnowledgeBaseId}}","name":"A's knowledge base"}""");
        await CreateAsync($"{mission}/mcp-servers", $$"""{"mcp_server_id":"{{OrgA.McpServerId}}","name":"A's MCP server"}""");
        var webhook = await CreateAsync("/v2/ai/mission-webhooks", """{"url":"https://hooks.example.com/a","description":"A's webhook"}""");
        var webhookId = (string)webhook!["data"]!["webhook_id"]!;
        var test = await CreateAsync($"/v2/ai/mission-webhooks/{webhookId}/test", "");
        return new OrgA(missionId, runId, (string)logged!["data"]!["event_id"]!, webhookId, (string)test!["data"]!["delivery_id"]!);
    }

    /// <summary>Every read of A's data, as A sees it: path → status and body.</summary>
    private async Task<Dictionary<string, string>> SnapshotAsync(OrgA a)
    {
        string[] paths =
        [
            "/v2/ai/missions", "/v2/ai/missions/runs", "/v2/ai/missions/events",
            M, M + "/runs", R, R + "/plan", R + "/plan/steps/{step_id}", R + "/events", R + "/events/{event_id}", R + "/telnyx-agents",
            M + "/tools", M + "/tools/{tool_id}", M + "/knowledge-bases", M + "/knowledge-bases/{knowledge_base_id}",
            M + "/mcp-servers", M + "/mcp-servers/{mcp_server_id}",
            "/v2/ai/mission-webhooks", W, // not its deliveries: their attempts go on meanwhile
        ];
        var snapshot = new Dictionary<string, string>();
        foreach (var path in paths)
        {
            var (status, body) = await SendAsync(ClientA, "GET", a.Fill(path), null);
            snapshot[path] = $"{(int)status} {body}";
        }
        return snapshot;
    }

    /// <summary>A re-reads everything: byte-for-byte what it read before B's calls, and in the state A left it.</summary>
    private async Task AssertUnchangedAsync(OrgA a, Dictionary<string, string> before)
    {
        var after = await SnapshotAsync(a);
        Assert.All(before, read => Assert.Equal(read.Value, after[read.Key]));

        JsonNode Data(string path) => JsonNode.Parse(after[path][4..])!["data"]!;
        Assert.StartsWith("200 ", after[M]);
        Assert.Equal("test mission", (string?)Data(M)["name"]);
        Assert.Equal("pending", (string?)Data(R)["status"]);
        Assert.Equal([OrgA.StepId], Data(R + "/plan").AsArray().Select(s => (string)s!["step_id"]!));
        Assert.Equal("pending", (string?)Data(R + "/plan/steps/{step_id}")["status"]);
        Assert.Equal([a.EventId], Data(R + "/events").AsArray().Select(e => (string)e!["event_id"]!));
        Assert.Equal([OrgA.AgentId], Data(R + "/telnyx-agents").AsArray().Select(l => (string)l!["telnyx_agent_id"]!));
        Assert.Equal([OrgA.ToolId], Data(M + "/tools").AsArray().Select(t => (string)t!["tool_id"]!));
        Assert.Equal([OrgA.KnowledgeBaseId], Data(M + "/knowledge-bases").AsArray().Select(t => (string)t!["knowledge_base_id"]!));
        Assert.Equal([OrgA.McpServerId], Data(M + "/mcp-servers").AsArray().Select(t => (string)t!["mcp_server_id"]!));
        Assert.Equal([a.MissionId], Data("/v2/ai/missions").AsArray().Select(x => (string)x!["mission_id"]!));
        Assert.Equal([a.RunId], Data(M + "/runs").AsArray().Select(x => (string)x!["run_id"]!));
        Assert.Equal([a.RunId], Data("/v2/ai/missions/runs").AsArray().Select(x => (string)x!["run_id"]!));
        Assert.Equal([a.EventId], Data("/v2/ai/missions/events").AsArray().Select(x => (string)x!["event_id"]!));
        Assert.Equal(("https://hooks.example.com/a", true), ((string)Data(W)["url"]!, (bool)Data(W)["enabled"]!));
        var (deliveries, listed) = await SendAsync(ClientA, "GET", a.Fill(W + "/deliveries"), null);
        Assert.Equal(HttpStatusCode.OK, deliveries);
        Assert.Equal([a.DeliveryId], JsonNode.Parse(listed)!["data"]!.AsArray().Select(d => (string)d!["delivery_id"]!));
    }

    private async Task<string?> CreatedOwnWebhookAsync(HttpStatusCode status, string body)
    {
        if (status != HttpStatusCode.Created || JsonNode.Parse(body)?["data"]?["webhook_id"] is not JsonValue id)
        {
            return "expected 201 with a new webhook of B";
        }
        var (seenByA, seenBody) = await SendAsync(ClientA, "GET", $"/v2/ai/mission-webhooks/{(string)id!}", null);
        return seenByA == HttpStatusCode.NotFound && seenBody == WebhookNotFound ? null : $"A can read B's new webhook: {(int)seenByA} {seenBody}";
    }

    /// <summary>B's own new mission: 201 (gRPC: OK), and A cannot read it. Null when so; else what is wrong.</summary>
    private async Task<string?> CreatedOwnMissionAsync(HttpStatusCode status, string body)
    {
        if (status != HttpStatusCode.Created || JsonNode.Parse(body)?["data"]?["mission_id"] is not JsonValue id)
        {
            return "expected 201 with a new mission of B";
        }
        var (seenByA, seenBody) = await SendAsync(ClientA, "GET", $"{RestCalls.Missions}/{(string)id!}", null);
        return seenByA == HttpStatusCode.NotFound && seenBody == MissionNotFound ? null : $"A can read B's new mission: {(int)seenByA} {seenBody}";
    }

    private static bool IsEmptyList(HttpStatusCode status, string body)
    {
        if (status != HttpStatusCode.OK)
        {
            return false;
        }
        var json = JsonNode.Parse(body)!;
        return json["data"] is JsonArray { Count: 0 } && json["meta"]?["total_results"]?.GetValue<int>() == 0;
    }

    /// <summary>
    /// Sends with a 5 s budget for the whole response: a watch that opened a stream (200) never ends,
    /// which reports as a status of 0 instead of hanging the test.
    /// </summary>
    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, string method, string path, string? body)
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : Json.Body(body) };
        HttpStatusCode? status = null;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, budget.Token);
            status = response.StatusCode;
            return (response.StatusCode, await response.Content.ReadAsStringAsync(budget.Token));
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            return ((HttpStatusCode)0, $"<headers {(status is { } s ? ((int)s).ToString() : "never")} sent, body not complete within 5 s: a stream was opened>");
        }
    }
}
