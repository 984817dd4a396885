using System.Net;
using System.Text.Json.Nodes;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>REST calls the resource tests share: any verb with raw JSON, and the parents a test needs (a mission, a run).</summary>
public static class RestCalls
{
    public const string Missions = "/v2/ai/missions";

    /// <summary>Sends <paramref name="body"/> (none when null) and returns the status, the parsed JSON (null when empty) and the response.</summary>
    public static async Task<(HttpStatusCode Status, JsonNode? Json, HttpResponseMessage Response)> SendAsync(
        this HttpClient client, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : Json.Body(body),
            Version = client.DefaultRequestVersion,
            VersionPolicy = client.DefaultVersionPolicy,
        };
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    /// <summary>Sends <paramref name="body"/> with an <c>Idempotency-Key</c> (none when null); the status, the raw body and the response.</summary>
    public static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendKeyedAsync(
        this HttpClient client, HttpMethod method, string path, string? body, string? idempotencyKey)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json.Body(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }
        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>Whether an answer says it was replayed for its <c>Idempotency-Key</c>.</summary>
    public static bool Replayed(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("idempotent-replayed", out var values) && values.Single() == "true";

    /// <summary>A new mission of the client's organization; its id.</summary>
    public static async Task<string> NewMissionAsync(this HttpClient client, string name = "test mission")
    {
        var (status, json, _) = await client.SendAsync(HttpMethod.Post, Missions, $$"""{"name":"{{name}}"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        return (string)json!["data"]!["mission_id"]!;
    }

    /// <summary>Starts a run of <paramref name="missionId"/> with <paramref name="body"/>; the run's JSON.</summary>
    public static async Task<JsonNode> StartRunAsync(this HttpClient client, string missionId, string body = "{}")
    {
        var (status, json, _) = await client.SendAsync(HttpMethod.Post, $"{Missions}/{missionId}/runs", body);
        Assert.Equal(HttpStatusCode.Created, status);
        return json!["data"]!;
    }

    /// <summary>A new mission with one run: the run's base path <c>/v2/ai/missions/{m}/runs/{r}</c> and both ids.</summary>
    public static async Task<(string Path, string MissionId, string RunId)> NewRunAsync(this HttpClient client)
    {
        var missionId = await client.NewMissionAsync();
        var runId = (string)(await client.StartRunAsync(missionId))["run_id"]!;
        return ($"{Missions}/{missionId}/runs/{runId}", missionId, runId);
    }
}
