using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.AgentLinks;

/// <summary>Telnyx agent links and the mission-delete cascade over a run's whole record, as a REST caller sees them.</summary>
public sealed class AgentLinksRestTests : AppTest
{
    private HttpClient Client => field ??= App.Rest();

    [Fact]
    public async Task Link_list_and_unlink_with_201_409_204_and_404()
    {
        var (run, _, runId) = await Client.NewRunAsync();

        var (linked, linkJson, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", """{"telnyx_agent_id":"agent-b"}""");
        await Client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", """{"telnyx_agent_id":"agent-a"}""");
        var (again, againJson, againResponse) = await Client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", """{"telnyx_agent_id":"agent-b"}""");
        var (_, list, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/telnyx-agents");
        var (unlinked, unlinkBody, unlinkResponse) = await Client.SendAsync(HttpMethod.Delete, $"{run}/telnyx-agents/agent-b");
        var (twice, twiceJson, _) = await Client.SendAsync(HttpMethod.Delete, $"{run}/telnyx-agents/agent-b");
        var (_, after, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/telnyx-agents");

        Assert.Equal(HttpStatusCode.Created, linked);
        var link = linkJson!["data"]!;
        Assert.Equal(Json.Sorted("run_id", "telnyx_agent_id", "created_at"), link.Keys());
        Assert.Equal(runId, (string?)link["run_id"]);
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal(["detail"], againJson.Keys());
        Assert.Equal("Telnyx agent 'agent-b' is already linked to this run", (string?)againJson!["detail"]);
        Assert.Equal(["false"], againResponse.Headers.GetValues("x-should-retry"));
        Assert.Equal(["data"], list.Keys());
        Assert.Equal(["agent-b", "agent-a"], list!["data"]!.AsArray().Select(l => (string)l!["telnyx_agent_id"]!));
        Assert.Equal(HttpStatusCode.NoContent, unlinked);
        Assert.Null(unlinkBody);
        Assert.Equal(0, unlinkResponse.Content.Headers.ContentLength ?? 0);
        Assert.Equal(HttpStatusCode.NotFound, twice);
        Assert.Equal("""{"detail":"Telnyx agent link not found"}""", twiceJson!.ToJsonString());
        Assert.Equal(["agent-a"], after!["data"]!.AsArray().Select(l => (string)l!["telnyx_agent_id"]!));
    }

    [Theory]
    [InlineData("{}", "missing", "body,telnyx_agent_id")]
    [InlineData("""{"telnyx_agent_id":""}""", "string_too_short", "body,telnyx_agent_id")]
    [InlineData("""{"telnyx_agent_id":42}""", "string_type", "body,telnyx_agent_id")]
    public async Task Invalid_links_are_422(string body, string type, string loc)
    {
        var (run, _, _) = await Client.NewRunAsync();

        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(type, (string?)json.SingleDetail()["type"]);
        Assert.Equal(loc, string.Join(',', json.SingleDetail().Loc()));
    }

    [Fact]
    public async Task Links_belong_to_one_run_and_one_organization()
    {
        var (run, missionId, _) = await Client.NewRunAsync();
        var otherRun = $"{RestCalls.Missions}/{missionId}/runs/{(string)(await Client.StartRunAsync(missionId))["run_id"]!}";
        await Client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", """{"telnyx_agent_id":"shared"}""");
        var orgB = App.Rest(TestKeys.KeyB);

        var (linkedElsewhere, _, _) = await Client.SendAsync(HttpMethod.Post, $"{otherRun}/telnyx-agents", """{"telnyx_agent_id":"shared"}""");
        var (unlinkOther, _, _) = await orgB.SendAsync(HttpMethod.Delete, $"{run}/telnyx-agents/shared");
        var (listOther, listOtherJson, _) = await orgB.SendAsync(HttpMethod.Get, $"{run}/telnyx-agents");
        var (_, stillLinked, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/telnyx-agents");

        Assert.Equal(HttpStatusCode.Created, linkedElsewhere);
        Assert.Equal(HttpStatusCode.NotFound, unlinkOther);
        Assert.Equal(HttpStatusCode.NotFound, listOther);
        Assert.Equal("""{"detail":"Mission not found"}""", listOtherJson!.ToJsonString());
        Assert.Single(stillLinked!["data"]!.AsArray());
    }

    [Fact]
    public async Task Deleting_a_mission_removes_plans_events_and_links_and_their_counts()
    {
        var (doomedRun, doomed, _) = await Client.NewRunAsync();
        var (keptRun, _, _) = await Client.NewRunAsync();
        foreach (var run in new[] { doomedRun, keptRun })
        {
            await Client.SendAsync(HttpMethod.Post, $"{run}/plan", """{"steps":[{"step_id":"s","description":"d","sequence":0}]}""");
            await Client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", """{"telnyx_agent_id":"agent"}""");
            await Client.SendAsync(HttpMethod.Post, $"{run}/events", """{"type":"error","summary":"e","step_id":"s"}""");
            await Client.SendAsync(HttpMethod.Post, $"{run}/events", """{"type":"message","summary":"m","idempotency_key":"k"}""");
        }

        var (deleted, _, _) = await Client.SendAsync(HttpMethod.Delete, $"{RestCalls.Missions}/{doomed}");

        Assert.Equal(HttpStatusCode.NoContent, deleted);
        foreach (var path in new[] { "plan", "plan/steps/s", "events", "telnyx-agents" })
        {
            var (status, json, _) = await Client.SendAsync(HttpMethod.Get, $"{doomedRun}/{path}");
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("""{"detail":"Mission not found"}""", json!.ToJsonString());
        }
        var (_, feed, _) = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/events");
        var (_, errors, _) = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/events?type=error");
        Assert.Equal(2, (int)feed!["meta"]!["total_results"]!);
        Assert.Equal(2, feed["data"]!.AsArray().Count);
        Assert.Equal(1, (int)errors!["meta"]!["total_results"]!);
        var (_, keptEvents, _) = await Client.SendAsync(HttpMethod.Get, $"{keptRun}/events?step_id=s");
        Assert.Equal(1, (int)keptEvents!["meta"]!["total_results"]!);
    }
}
