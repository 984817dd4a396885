using System.Net;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Idempotency;

/// <summary>
/// Every mutating REST route honours <c>Idempotency-Key</c>: sent twice with one key, the second answer is the first's,
/// byte for byte, marked <c>idempotent-replayed: true</c> (set only when storage replayed the write). The table is
/// checked against the endpoints the app serves: a new POST, PUT, PATCH or DELETE route without a row fails.
/// </summary>
public sealed class IdempotencyRoutesTests : AppTest
{
    private const string M = "/v2/ai/missions/{mission_id}";
    private const string R = M + "/runs/{run_id}";
    private const string W = "/v2/ai/mission-webhooks/{webhook_id}";

    /// <summary>Method, template as its http rule declares it, body, and the run's status it needs first.</summary>
    public static readonly TheoryData<string, string, string?, string?> Routes = new()
    {
        { "POST", "/v2/ai/missions", """{"name":"keyed"}""", null },
        { "PUT", M, """{"description":"keyed"}""", null },
        { "POST", M + "/clone", null, null },
        { "DELETE", M, null, null },
        { "POST", M + "/runs", """{"input":{"keyed":true}}""", null },
        { "PATCH", R, """{"status":"running"}""", null },
        { "POST", R + "/cancel", null, null },
        { "POST", R + "/pause", null, "running" },
        { "POST", R + "/resume", null, "paused" },
        { "POST", R + "/plan", """{"steps":[{"step_id":"first","description":"keyed","sequence":0}]}""", "no plan" },
        { "POST", R + "/plan/steps", """{"steps":[{"step_id":"added","description":"keyed","sequence":1}]}""", null },
        { "PATCH", R + "/plan/steps/{step_id}", """{"status":"in_progress"}""", null },
        { "POST", R + "/events", """{"type":"message","summary":"keyed"}""", null },
        { "POST", R + "/telnyx-agents", """{"telnyx_agent_id":"keyed-agent"}""", null },
        { "DELETE", R + "/telnyx-agents/{telnyx_agent_id}", null, null },
        { "POST", M + "/tools", """{"tool_id":"keyed"}""", null },
        { "PUT", M + "/tools/{tool_id}", """{"name":"keyed"}""", null },
        { "DELETE", M + "/tools/{tool_id}", null, null },
        { "POST", M + "/knowledge-bases", """{"knowledge_base_id":"keyed"}""", null },
        { "PUT", M + "/knowledge-bases/{knowledge_base_id}", """{"name":"keyed"}""", null },
        { "DELETE", M + "/knowledge-bases/{knowledge_base_id}", null, null },
        { "POST", M + "/mcp-servers", """{"mcp_server_id":"keyed"}""", null },
        { "PUT", M + "/mcp-servers/{mcp_server_id}", """{"name":"keyed"}""", null },
        { "DELETE", M + "/mcp-servers/{mcp_server_id}", null, null },
        { "POST", "/v2/ai/mission-webhooks", """{"url":"https://hooks.example.com/keyed"}""", null },
        { "PATCH", W, """{"description":"keyed"}""", null },
        { "DELETE", W, null, null },
        { "POST", W + "/deliveries/{delivery_id}/retry", null, null },
        { "POST", W + "/test", null, null },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_keyed_write_sent_twice_is_answered_twice_alike_and_applied_once(string method, string template, string? body, string? needs)
    {
        var rest = App.Rest();
        var missionId = await rest.NewMissionAsync();
        var runId = (string)(await rest.StartRunAsync(missionId))["run_id"]!;
        var run = $"{RestCalls.Missions}/{missionId}/runs/{runId}";
        if (needs != "no plan")
        {
            await Ok(rest, HttpMethod.Post, run + "/plan", """{"steps":[{"step_id":"s1","description":"d","sequence":0}]}""");
        }
        await Ok(rest, HttpMethod.Post, run + "/telnyx-agents", """{"telnyx_agent_id":"agent-1"}""");
        foreach (var (kind, idField) in new[] { ("tools", "tool_id"), ("knowledge-bases", "knowledge_base_id"), ("mcp-servers", "mcp_server_id") })
        {
            await Ok(rest, HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/{kind}", $$"""{"{{idField}}":"t1"}""");
        }
        var (_, webhook, _) = await rest.SendAsync(HttpMethod.Post, "/v2/ai/mission-webhooks", """{"url":"https://hooks.example.com/h"}""");
        var webhookId = (string)webhook!["data"]!["webhook_id"]!;
        var (_, test, _) = await rest.SendAsync(HttpMethod.Post, $"/v2/ai/mission-webhooks/{webhookId}/test");
        var deliveryId = (string)test!["data"]!["delivery_id"]!;
        if (needs is "running" or "paused")
        {
            await Ok(rest, HttpMethod.Patch, run, """{"status":"running"}""");
        }
        if (needs == "paused")
        {
            await Ok(rest, HttpMethod.Post, run + "/pause", null);
        }
        var path = template.Replace("{mission_id}", missionId).Replace("{run_id}", runId).Replace("{step_id}", "s1")
            .Replace("{telnyx_agent_id}", "agent-1").Replace("{tool_id}", "t1").Replace("{knowledge_base_id}", "t1").Replace("{mcp_server_id}", "t1")
            .Replace("{webhook_id}", webhookId).Replace("{delivery_id}", deliveryId);
        var key = Guid.NewGuid().ToString();

        var first = await SendAsync(rest, new HttpMethod(method), path, body, key);
        var again = await SendAsync(rest, new HttpMethod(method), path, body, key);

        Assert.True(first.Response.IsSuccessStatusCode, $"{method} {template}: {first.Status} {first.Body}");
        Assert.Equal(first.Status, again.Status);
        Assert.Equal(first.Body, again.Body);
        Assert.False(first.Response.Headers.Contains("idempotent-replayed"));
        Assert.Equal(["true"], again.Response.Headers.GetValues("idempotent-replayed"));
    }

    [Fact]
    public void The_table_holds_every_mutating_route_the_app_serves()
    {
        var served = App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>())
            .OfType<GrpcJsonTranscodingMetadata>()
            .Select(m => TranscodedRoutes.MethodAndTemplate(m.HttpRule))
            .Where(r => r.Method != "GET")
            .ToHashSet();
        var table = Routes.Select(row => ((string)row[0], (string)row[1])).ToList();

        Assert.Equal(table.Count, table.Distinct().Count());
        Assert.Empty(served.Except(table).Select(r => $"{r.Item1} {r.Item2}")); // served, no row
        Assert.Empty(table.Except(served).Select(r => $"{r.Item1} {r.Item2}")); // row, not served
        // The interceptor's set of mutating RPCs is the same set of methods.
        Assert.Equal(served.Count, Missions.Grpc.Idempotency.IdempotencyInterceptor.MutatingMethods.Count);
    }

    private static async Task Ok(HttpClient rest, HttpMethod method, string path, string? body)
    {
        var (status, json, _) = await rest.SendAsync(method, path, body);
        Assert.True((int)status < 300, $"{method} {path}: {status} {json}");
    }

    private static Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(
        HttpClient client, HttpMethod method, string path, string? body, string key) => client.SendKeyedAsync(method, path, body, key);
}
