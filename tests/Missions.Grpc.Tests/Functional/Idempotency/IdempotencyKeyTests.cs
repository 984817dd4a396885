using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Functional.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> as a retrying client sees it: the first request is processed, the same request again gets the
/// same answer (byte for byte, <c>idempotent-replayed: true</c>) and changes nothing; the key with another request is
/// 422; keys are per organization; invalid keys, refused requests and concurrent duplicates behave as documented.
/// </summary>
public sealed class IdempotencyKeyTests : AppTest
{
    private static Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(
        HttpClient client, HttpMethod method, string path, string? body, string? key) => client.SendKeyedAsync(method, path, body, key);

    private static bool Replayed(HttpResponseMessage response) => response.Replayed();

    private async Task<int> MissionCountAsync(HttpClient client)
    {
        var (_, json, _) = await client.SendAsync(HttpMethod.Get, RestCalls.Missions);
        return (int)json!["meta"]!["total_results"]!;
    }

    [Fact]
    public async Task The_same_request_again_gets_the_same_answer_and_stores_nothing_more()
    {
        var rest = App.Rest();
        var key = Guid.NewGuid().ToString();
        const string body = """{"name":"Triage","metadata":{"a":1,"b":[true,null]}}""";

        var first = await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, body, key);
        var again = await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, body, key);
        // The same JSON with its keys in another order is the same request.
        var reordered = await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"metadata":{"b":[true,null],"a":1},"name":"Triage"}""", key);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.False(Replayed(first.Response));
        foreach (var retry in new[] { again, reordered })
        {
            Assert.Equal(HttpStatusCode.Created, retry.Status);
            Assert.Equal(first.Body, retry.Body);
            Assert.True(Replayed(retry.Response));
            Assert.Equal("application/json", retry.Response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(1, await MissionCountAsync(rest));
        // Without a key, the same body is a new mission (the key is what makes a retry safe).
        var unkeyed = await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, body, key: null);
        Assert.Equal(HttpStatusCode.Created, unkeyed.Status);
        Assert.NotEqual(first.Body, unkeyed.Body);
        Assert.Equal(2, await MissionCountAsync(rest));
    }

    [Fact]
    public async Task The_key_with_a_different_request_is_422_and_changes_nothing()
    {
        var rest = App.Rest();
        var key = "key-" + Guid.NewGuid();
        var first = await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"name":"one"}""", key);
        Assert.Equal(HttpStatusCode.Created, first.Status);
        var missionId = (string)JsonNode.Parse(first.Body)!["data"]!["mission_id"]!;

        var otherBody = await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"name":"two"}""", key);
        var otherRoute = await SendAsync(rest, HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/clone", null, key);

        foreach (var refused in new[] { otherBody, otherRoute })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
            var detail = JsonNode.Parse(refused.Body)!["detail"]!;
            Assert.Equal(System.Text.Json.JsonValueKind.String, detail.GetValueKind());
            Assert.Contains($"Idempotency-Key '{key}' was already used for a different request", (string?)detail);
            Assert.False(Replayed(refused.Response));
        }
        Assert.Equal(1, await MissionCountAsync(rest));
    }

    [Fact]
    public async Task Keys_belong_to_an_organization()
    {
        var key = "shared-" + Guid.NewGuid();
        var a = await SendAsync(App.Rest(TestKeys.KeyA), HttpMethod.Post, RestCalls.Missions, """{"name":"same"}""", key);
        var b = await SendAsync(App.Rest(TestKeys.KeyB), HttpMethod.Post, RestCalls.Missions, """{"name":"same"}""", key);

        Assert.Equal(HttpStatusCode.Created, a.Status);
        Assert.Equal(HttpStatusCode.Created, b.Status);
        Assert.False(Replayed(b.Response));
        Assert.NotEqual((string?)JsonNode.Parse(a.Body)!["data"]!["mission_id"], (string?)JsonNode.Parse(b.Body)!["data"]!["mission_id"]);
        Assert.Equal(1, await MissionCountAsync(App.Rest(TestKeys.KeyB)));
    }

    [Theory]
    [InlineData("caf\u00e9", "string_pattern_mismatch")]
    [InlineData("tab\tinside", "string_pattern_mismatch")]
    public async Task An_invalid_key_is_422_at_the_header(string key, string type)
    {
        var rest = App.Rest();
        var refused = await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"name":"x"}""", key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        var problem = JsonNode.Parse(refused.Body)!["detail"]![0]!;
        Assert.Equal(type, (string?)problem["type"]);
        Assert.Equal(["header", "idempotency-key"], problem.Loc());
        Assert.Equal(0, await MissionCountAsync(rest));
    }

    [Fact]
    public void An_empty_key_is_too_short()
    {
        // HTTP clients drop a header with an empty value before it is sent; the rule is checked directly.
        var violation = Missions.Grpc.Idempotency.IdempotencyInterceptor.Invalid("");
        Assert.Equal("string_too_short", violation?.Type);
        Assert.Null(Missions.Grpc.Idempotency.IdempotencyInterceptor.Invalid("k"));
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_422_with_its_limit()
    {
        var refused = await SendAsync(App.Rest(), HttpMethod.Post, RestCalls.Missions, """{"name":"x"}""", new string('k', 256));
        var accepted = await SendAsync(App.Rest(), HttpMethod.Post, RestCalls.Missions, """{"name":"x"}""", new string('k', 255));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        var problem = JsonNode.Parse(refused.Body)!["detail"]![0]!;
        Assert.Equal("string_too_long", (string?)problem["type"]);
        Assert.Equal(255, (int)problem["ctx"]!["max_length"]!);
        Assert.Equal(HttpStatusCode.Created, accepted.Status);
    }

    [Fact]
    public async Task A_refused_request_stores_nothing_and_its_retry_is_processed_afresh()
    {
        var rest = App.Rest();
        var missionId = await rest.NewMissionAsync();
        var (path, _, _) = await rest.NewRunAsync();
        var key = Guid.NewGuid().ToString();
        // An invalid body (422) and a refused transition (409) under the key: nothing kept.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(rest, HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs", """{"input":5}""", key)).Status);
        var resume = await SendAsync(rest, HttpMethod.Post, path + "/resume", null, key);
        Assert.Equal(HttpStatusCode.Conflict, resume.Status);

        // The same key for a valid request is then that request's.
        var started = await SendAsync(rest, HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs", """{"input":{"ok":true}}""", key);
        Assert.Equal(HttpStatusCode.Created, started.Status);
        Assert.False(Replayed(started.Response));
    }

    [Fact]
    public async Task Concurrent_identical_requests_with_one_key_store_one_object_and_answer_alike()
    {
        var rest = App.Rest();
        var key = Guid.NewGuid().ToString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ =>
            SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"name":"once"}""", key)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(31, answers.Count(a => Replayed(a.Response)));
        Assert.Equal(1, await MissionCountAsync(rest));
    }

    [Fact]
    public async Task A_delete_replayed_answers_204_again_instead_of_404()
    {
        var rest = App.Rest();
        var missionId = await rest.NewMissionAsync();
        var key = Guid.NewGuid().ToString();

        var first = await SendAsync(rest, HttpMethod.Delete, $"{RestCalls.Missions}/{missionId}", null, key);
        var again = await SendAsync(rest, HttpMethod.Delete, $"{RestCalls.Missions}/{missionId}", null, key);

        Assert.Equal(HttpStatusCode.NoContent, first.Status);
        Assert.Equal(HttpStatusCode.NoContent, again.Status);
        Assert.Equal("", again.Body);
        Assert.True(Replayed(again.Response));
    }

    [Fact]
    public async Task Grpc_callers_use_idempotency_key_metadata_and_see_the_same_rules()
    {
        var client = App.Grpc();
        var key = Guid.NewGuid().ToString();
        Metadata Headers() => new() { { "authorization", $"Bearer {TestKeys.KeyA}" }, { "idempotency-key", key } };
        var request = new CreateMissionRequest { Name = "over gRPC", ExecutionMode = Mission.Types.ExecutionMode.External };

        var first = client.CreateMissionAsync(request, Headers());
        var firstResponse = await first.ResponseAsync;
        Assert.Null((await first.ResponseHeadersAsync).GetValue("idempotent-replayed"));
        var again = client.CreateMissionAsync(request, Headers());
        Assert.Equal(firstResponse, await again.ResponseAsync);
        Assert.Equal("true", (await again.ResponseHeadersAsync).GetValue("idempotent-replayed"));

        var reused = await Assert.ThrowsAsync<RpcException>(() =>
            client.CreateMissionAsync(new CreateMissionRequest { Name = "another" }, Headers()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, reused.StatusCode);
        Assert.Contains("already used for a different request", reused.Status.Detail);

        // The same key over REST for the same request replays the gRPC call's mission.
        var rest = await SendAsync(App.Rest(), HttpMethod.Post, RestCalls.Missions, """{"name":"over gRPC","execution_mode":"external"}""", key);
        Assert.Equal(HttpStatusCode.Created, rest.Status);
        Assert.Equal(firstResponse.Data.MissionId, (string?)JsonNode.Parse(rest.Body)!["data"]!["mission_id"]);
    }

    [Fact]
    public async Task Expired_keys_are_purged_in_bounded_batches_and_are_free_again()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var app = new MissionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        var rest = app.Rest();
        var keys = app.Services.GetRequiredService<IIdempotencyStore>();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"name":"one"}""", "k-1")).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"name":"two"}""", "k-2")).Status);
        Assert.Equal(2, await keys.CountAsync());
        Assert.Equal(0, await keys.PurgeExpiredAsync(10)); // within the 24 h retention
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"name":"other"}""", "k-1")).Status);

        clock.Now += TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1);

        Assert.Equal(1, await keys.PurgeExpiredAsync(1)); // bounded
        Assert.Equal(1, await keys.PurgeExpiredAsync(1));
        Assert.Equal(0, await keys.PurgeExpiredAsync(1));
        Assert.Equal(0, await keys.CountAsync());
        var reused = await SendAsync(rest, HttpMethod.Post, RestCalls.Missions, """{"name":"other"}""", "k-1");
        Assert.Equal(HttpStatusCode.Created, reused.Status); // expired: a new request's key
        Assert.False(Replayed(reused.Response));
        Assert.Equal(1, await keys.CountAsync());
    }
}
