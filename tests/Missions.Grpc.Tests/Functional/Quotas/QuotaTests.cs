using System.Net;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Quotas;

/// <summary>
/// What one organization may keep (<c>Quotas:*</c>): a write past a quota answers REST 429 (no Retry-After) / gRPC
/// RESOURCE_EXHAUSTED with QuotaFailure and ErrorInfo QUOTA_EXCEEDED, and stores nothing; another organization is not
/// affected; deleting frees quota; concurrent writes racing for the last slots never store more than the quota.
/// </summary>
public sealed class QuotaTests
{
    [Fact]
    public async Task Missions_past_the_quota_are_refused_on_both_faces_and_a_delete_frees_a_slot()
    {
        await using var app = Quota("MaxMissionsPerOrganization", "3");
        var rest = app.Rest();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await rest.NewMissionAsync($"mission {i}"));
        }

        var (status, body, response) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"one too many"}""");
        AssertRefused(status, body, response, "Quotas:MaxMissionsPerOrganization", "3");
        QuotaAnswers.AssertGrpc(await Assert.ThrowsAsync<RpcException>(() => app.Grpc().CreateMissionAsync(
            new CreateMissionRequest { Name = "one too many", ExecutionMode = Mission.Types.ExecutionMode.External }, Key(), Deadline).ResponseAsync),
            "Quotas:MaxMissionsPerOrganization");
        (status, body, response) = await rest.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{ids[0]}/clone", null);
        AssertRefused(status, body, response, "Quotas:MaxMissionsPerOrganization", "3");
        var (_, list, _) = await rest.SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.Equal(3, (int)list!["meta"]!["total_results"]!); // nothing stored

        Assert.Equal(HttpStatusCode.Created, (await app.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"other organization"}""")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await rest.SendAsync(HttpMethod.Delete, $"{RestCalls.Missions}/{ids[0]}")).Status);
        Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"in the freed slot"}""")).Status);
    }

    [Fact]
    public async Task Concurrent_creates_racing_for_the_last_slots_store_exactly_the_quota()
    {
        await using var app = Quota("MaxMissionsPerOrganization", "5");
        var rest = app.Rest();
        await rest.NewMissionAsync("already there");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
            (await app.Rest().SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"racer {{i}}"}""")).Status));

        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(28, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        var (_, list, _) = await rest.SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.Equal(5, (int)list!["meta"]!["total_results"]!);
    }

    [Fact]
    public async Task Runs_per_mission_and_events_per_run_have_their_quotas()
    {
        await using var app = Quota(("MaxRunsPerMission", "2"), ("MaxEventsPerRun", "2"));
        var rest = app.Rest();
        var mission = await rest.NewMissionAsync();
        var runs = $"{RestCalls.Missions}/{mission}/runs";
        var run = (string)(await rest.StartRunAsync(mission))["run_id"]!;
        await rest.StartRunAsync(mission);
        var (status, body, response) = await rest.SendAsync(HttpMethod.Post, runs, "{}");
        AssertRefused(status, body, response, "Quotas:MaxRunsPerMission", "2");
        await rest.StartRunAsync(await rest.NewMissionAsync()); // another mission has its own

        var events = $"{runs}/{run}/events";
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(HttpMethod.Post, events, """{"type":"message","summary":"fits"}""")).Status);
        }
        (status, body, response) = await rest.SendAsync(HttpMethod.Post, events, """{"type":"message","summary":"one too many"}""");
        AssertRefused(status, body, response, "Quotas:MaxEventsPerRun", "2");
        QuotaAnswers.AssertGrpc(await Assert.ThrowsAsync<RpcException>(() => new RunEventsService.RunEventsServiceClient(app.GrpcChannel()).LogEventAsync(
            new LogEventRequest { MissionId = mission, RunId = run, Type = RunEvent.Types.Type.Message, Summary = "one too many" }, Key(), Deadline).ResponseAsync),
            "Quotas:MaxEventsPerRun");
        var (_, listed, _) = await rest.SendAsync(HttpMethod.Get, events);
        Assert.Equal(2, (int)listed!["meta"]!["total_results"]!);
    }

    [Fact]
    public async Task Stored_bytes_count_objects_and_their_payloads_and_a_delete_frees_them()
    {
        await using var app = Quota("MaxStoredBytesPerOrganization", (100 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var rest = app.Rest();
        var large = "{\"name\":\"large\",\"instructions\":\"" + new string('x', 60 * 1024) + "\",\"metadata\":{\"blob\":\"" + new string('y', 8 * 1024) + "\"}}";
        var (status, first, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, large);
        Assert.Equal(HttpStatusCode.Created, status);

        var (refused, body, response) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, large);
        AssertRefused(refused, body, response, "Quotas:MaxStoredBytesPerOrganization", "102,400");
        Assert.Equal(HttpStatusCode.Created, (await app.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Post, RestCalls.Missions, large)).Status);
        Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"small"}""")).Status); // small still fits

        Assert.Equal(HttpStatusCode.NoContent, (await rest.SendAsync(HttpMethod.Delete, $"{RestCalls.Missions}/{(string)first!["data"]!["mission_id"]!}")).Status);
        Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, large)).Status);
    }

    [Fact]
    public async Task Deleting_a_mission_frees_what_its_runs_and_events_held()
    {
        await using var app = Quota("MaxStoredBytesPerOrganization", (100 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var rest = app.Rest();
        var mission = await rest.NewMissionAsync("holder");
        var run = (string)(await rest.StartRunAsync(mission))["run_id"]!;
        var payload = "{\"type\":\"message\",\"summary\":\"s\",\"payload\":{\"blob\":\"" + new string('p', 15 * 1024) + "\"}}";
        for (var i = 0; i < 4; i++) // ~61 KiB of events
        {
            Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{mission}/runs/{run}/events", payload)).Status);
        }
        var large = "{\"name\":\"large\",\"instructions\":\"" + new string('x', 60 * 1024) + "\"}";
        Assert.Equal(HttpStatusCode.TooManyRequests, (await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, large)).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await rest.SendAsync(HttpMethod.Delete, $"{RestCalls.Missions}/{mission}")).Status);
        Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, large)).Status);
    }

    [Fact]
    public async Task Idempotency_keys_have_their_quota_and_a_replay_still_answers()
    {
        await using var app = Quota("MaxIdempotencyKeysPerOrganization", "2");
        var rest = app.Rest();
        Assert.Equal(HttpStatusCode.Created, (await rest.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"a"}""", "quota-key-1")).Status);
        Assert.Equal(HttpStatusCode.Created, (await rest.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"b"}""", "quota-key-2")).Status);

        var (status, text, response) = await rest.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"c"}""", "quota-key-3");
        AssertRefused(status, System.Text.Json.Nodes.JsonNode.Parse(text), response, "Quotas:MaxIdempotencyKeysPerOrganization", "2");
        var replay = await rest.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"a"}""", "quota-key-1");
        Assert.Equal(HttpStatusCode.Created, replay.Status);
        Assert.True(replay.Response.Replayed());
        Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"without a key"}""")).Status);
        var (_, list, _) = await rest.SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.Equal(3, (int)list!["meta"]!["total_results"]!); // "c" was not stored
    }

    private static MissionsApp Quota(string setting, string value) => Quota((setting, value));

    private static MissionsApp Quota(params (string Setting, string Value)[] quotas) =>
        new(settings: quotas.ToDictionary(q => "Quotas:" + q.Setting, q => (string?)q.Value));

    private static void AssertRefused(HttpStatusCode status, System.Text.Json.Nodes.JsonNode? body, HttpResponseMessage response, string setting, string limit)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.False(response.Headers.Contains("Retry-After")); // waiting does not help
        Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single()); // nor does an SDK's retry
        var detail = (string)body!["detail"]!;
        Assert.Contains(setting, detail);
        Assert.Contains(limit, detail);
        Assert.Contains("nothing was stored", detail);
    }
}
