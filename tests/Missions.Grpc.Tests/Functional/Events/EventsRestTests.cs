using System.Net;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Events;

/// <summary>Events as a REST caller sees them: logging, idempotency, the run's trail, the organization's feed.</summary>
public sealed class EventsRestTests : AppTest
{
    private HttpClient Client => field ??= App.Rest();

    private static string[] Summaries(JsonNode? list) => list!["data"]!.AsArray().Select(e => (string)e!["summary"]!).ToArray();

    private async Task<JsonNode> LogAsync(string run, string body, HttpClient? client = null)
    {
        var (status, json, _) = await (client ?? Client).SendAsync(HttpMethod.Post, $"{run}/events", body);
        Assert.Equal(HttpStatusCode.Created, status);
        return json!["data"]!;
    }

    [Fact]
    public async Task Logging_answers_201_with_exactly_the_given_fields_and_no_replay_header()
    {
        var (run, _, runId) = await Client.NewRunAsync();

        var (status, json, response) = await Client.SendAsync(HttpMethod.Post, $"{run}/events", """{"type":"message","summary":"hello"}""");
        var (_, full, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/events",
            """{"type":"tool_call","summary":"lookup","step_id":"s1","agent_id":"a1","idempotency_key":"k","payload":{"tool":"crm","args":[1]}}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.False(response.Headers.Contains("idempotent-replayed"));
        var e = json!["data"]!;
        Assert.Equal(Json.Sorted("event_id", "run_id", "type", "summary", "timestamp"), e.Keys());
        Assert.Equal(runId, (string?)e["run_id"]);
        Assert.Equal(7, Guid.Parse((string)e["event_id"]!).Version);
        var f = full!["data"]!;
        Assert.Equal(Json.Sorted("event_id", "run_id", "type", "summary", "timestamp", "step_id", "agent_id", "idempotency_key", "payload"), f.Keys());
        Assert.Equal("""{"tool":"crm","args":[1]}""", f["payload"]!.ToJsonString());
        var (_, got, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events/{f["event_id"]}");
        Assert.Equal(f.ToJsonString(), got!["data"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"summary":"x"}""", "missing", "body,type")]
    [InlineData("""{"type":"message"}""", "missing", "body,summary")]
    [InlineData("""{"type":"warning","summary":"x"}""", "enum", "body,type")]
    [InlineData("""{"type":null,"summary":"x"}""", "enum", "body,type")]
    [InlineData("""{"type":"message","summary":"x","payload":"text"}""", "dict_type", "body,payload")]
    [InlineData("""{"type":"message","summary":"x","idempotency_key":""}""", "string_too_short", "body,idempotency_key")]
    [InlineData("""{"type":"message","summary":7}""", "string_type", "body,summary")]
    public async Task Invalid_events_are_422(string body, string type, string loc)
    {
        var (run, _, _) = await Client.NewRunAsync();

        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/events", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(loc, string.Join(',', error.Loc()));
    }

    [Fact]
    public async Task A_retry_with_the_same_key_replays_the_event_and_other_content_is_409()
    {
        var (run, missionId, _) = await Client.NewRunAsync();
        var otherRun = (string)(await Client.StartRunAsync(missionId))["run_id"]!;
        const string first = """{"type":"tool_result","summary":"done","idempotency_key":"retry-1","payload":{"a":1,"b":{"c":2}}}""";

        var original = await Client.SendAsync(HttpMethod.Post, $"{run}/events", first);
        var retry = await Client.SendAsync(HttpMethod.Post, $"{run}/events",
            """{"payload":{"b":{"c":2},"a":1},"idempotency_key":"retry-1","summary":"done","type":"tool_result"}""");
        var changed = await Client.SendAsync(HttpMethod.Post, $"{run}/events",
            """{"type":"tool_result","summary":"different","idempotency_key":"retry-1","payload":{"a":1,"b":{"c":2}}}""");
        var otherRunSameKey = await Client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs/{otherRun}/events", first);

        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.Equal(["true"], retry.Response.Headers.GetValues("idempotent-replayed"));
        Assert.Equal(original.Json!.ToJsonString(), retry.Json!.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, changed.Status);
        Assert.Equal(["false"], changed.Response.Headers.GetValues("x-should-retry"));
        Assert.StartsWith("Idempotency key 'retry-1' was already used in this run for a different event", (string)changed.Json!["detail"]!);
        Assert.Equal(HttpStatusCode.Created, otherRunSameKey.Status); // the key is scoped to the run
        Assert.False(otherRunSameKey.Response.Headers.Contains("idempotent-replayed"));
        var (_, list, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events");
        Assert.Equal(1, (int)list!["meta"]!["total_results"]!);
    }

    [Fact]
    public async Task Concurrent_identical_retries_store_one_event()
    {
        var (run, _, _) = await Client.NewRunAsync();
        const string body = """{"type":"custom","summary":"once","idempotency_key":"parallel"}""";

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Client.SendAsync(HttpMethod.Post, $"{run}/events", body)));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Single(results.Select(r => (string)r.Json!["data"]!["event_id"]!).Distinct());
        Assert.Equal(31, results.Count(r => r.Response.Headers.Contains("idempotent-replayed")));
        var (_, list, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events");
        Assert.Equal(["once"], Summaries(list));
        Assert.Equal(1, (int)list!["meta"]!["total_results"]!);
    }

    [Fact]
    public async Task The_run_trail_is_chronological_paged_by_50_and_filtered()
    {
        var (run, _, _) = await Client.NewRunAsync();
        for (var i = 0; i < 55; i++)
        {
            await LogAsync(run, $$"""{"type":"{{(i % 5 == 0 ? "tool_call" : "message")}}","summary":"e{{i}}","step_id":"{{(i % 2 == 0 ? "even" : "odd")}}","agent_id":"{{(i < 10 ? "early" : "late")}}"}""");
        }

        var (_, first, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events");
        var (_, second, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events?page[number]=2");
        var (_, toolCalls, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events?type=tool_call&page%5Bsize%5D=4");
        var (_, even, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events?step_id=even&page[size]=3");
        var (_, early, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events?agent_id=early");
        var (_, combined, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events?type=tool_call&step_id=even&agent_id=late&page[size]=2&page[number]=2");
        var (_, none, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events?step_id=missing");

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"e{i}"), Summaries(first));
        Assert.Equal("""{"page_number":1,"page_size":50,"total_pages":2,"total_results":55}""", first!["meta"]!.ToJsonString());
        Assert.Equal(["e50", "e51", "e52", "e53", "e54"], Summaries(second));
        Assert.Equal(["e0", "e5", "e10", "e15"], Summaries(toolCalls));
        Assert.Equal(11, (int)toolCalls!["meta"]!["total_results"]!);
        Assert.Equal(["e0", "e2", "e4"], Summaries(even));
        Assert.Equal(28, (int)even!["meta"]!["total_results"]!);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e{i}"), Summaries(early));
        // tool_call (every 5th) and even and late (>= 10): e10, e20, e30, e40, e50 — page 2 of size 2.
        Assert.Equal(["e30", "e40"], Summaries(combined));
        Assert.Equal("""{"page_number":2,"page_size":2,"total_pages":3,"total_results":5}""", combined!["meta"]!.ToJsonString());
        Assert.Equal("""{"data":[],"meta":{"page_number":1,"page_size":50,"total_pages":0,"total_results":0}}""", none!.ToJsonString());
    }

    [Fact]
    public async Task The_organization_feed_is_newest_first_across_missions_and_filtered_by_type()
    {
        var (runA, _, _) = await Client.NewRunAsync();
        var (runB, _, _) = await Client.NewRunAsync();
        await LogAsync(runA, """{"type":"message","summary":"a1"}""");
        await LogAsync(runB, """{"type":"error","summary":"b1"}""");
        await LogAsync(runA, """{"type":"error","summary":"a2"}""");
        var orgB = App.Rest(TestKeys.KeyB);
        var (runOfB, _, _) = await orgB.NewRunAsync();
        await LogAsync(runOfB, """{"type":"error","summary":"other org"}""", orgB);

        var (_, all, _) = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/events");
        var (_, errors, _) = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/events?type=error&page[size]=1");
        var (status, bad, _) = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/events?type=warning");

        Assert.Equal(["a2", "b1", "a1"], Summaries(all));
        Assert.Equal("""{"page_number":1,"page_size":50,"total_pages":1,"total_results":3}""", all!["meta"]!.ToJsonString());
        Assert.DoesNotContain("mission_id", all["data"]![0]!.Keys());
        Assert.Equal(["a2"], Summaries(errors));
        Assert.Equal("""{"page_number":1,"page_size":1,"total_pages":2,"total_results":2}""", errors!["meta"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["query", "type"], bad.SingleDetail().Loc());
    }

    [Fact]
    public async Task Events_exist_only_in_their_run_and_organization()
    {
        var (run, missionId, _) = await Client.NewRunAsync();
        var otherRun = (string)(await Client.StartRunAsync(missionId))["run_id"]!;
        var logged = await LogAsync(run, """{"type":"message","summary":"mine"}""");
        var eventId = (string)logged["event_id"]!;

        var underOtherRun = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs/{otherRun}/events/{eventId}");
        var notAnId = await Client.SendAsync(HttpMethod.Get, $"{run}/events/not-an-id");
        var otherOrg = await App.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Get, $"{run}/events/{eventId}");
        var otherOrgLog = await App.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Post, $"{run}/events", """{"type":"message","summary":"intruder"}""");
        var (_, feedB, _) = await App.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/events");

        Assert.Equal((HttpStatusCode.NotFound, """{"detail":"Event not found"}"""), (underOtherRun.Status, underOtherRun.Json!.ToJsonString()));
        Assert.Equal((HttpStatusCode.NotFound, """{"detail":"Event not found"}"""), (notAnId.Status, notAnId.Json!.ToJsonString()));
        Assert.Equal((HttpStatusCode.NotFound, """{"detail":"Mission not found"}"""), (otherOrg.Status, otherOrg.Json!.ToJsonString()));
        Assert.Equal(HttpStatusCode.NotFound, otherOrgLog.Status);
        Assert.Equal("[]", feedB!["data"]!.ToJsonString());
    }
}
