using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>Raw JSON helpers: tests look at the JSON a caller sees, not at deserialized objects.</summary>
public static class Json
{
    public static StringContent Body(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    public static StringContent Body(object value) => Body(JsonSerializer.Serialize(value));

    public static async Task<(HttpStatusCode Status, JsonNode? Json, HttpResponseMessage Response)> PostAsync(
        this HttpClient client, string path, string json)
    {
        var response = await client.PostAsync(path, Body(json));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    public static string[] Keys(this JsonNode? node) => node!.AsObject().Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal).ToArray();

    public static string[] Sorted(params string[] keys) => keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();

    /// <summary>The single entry of a 422 body's <c>detail</c> list (asserts there is exactly one).</summary>
    public static JsonNode SingleDetail(this JsonNode? body)
    {
        var detail = body!["detail"]!.AsArray();
        Assert.Single(detail);
        return detail[0]!;
    }

    public static string[] Loc(this JsonNode error) => error["loc"]!.AsArray().Select(x => x!.ToJsonString().Trim('"')).ToArray();
}
