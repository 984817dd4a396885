using System.Text.Json.Nodes;

namespace Missions.Grpc.Tests.Pydantic;

/// <summary>
/// An answer as the differential test compares it: the status and, for a 422, the problems as <c>(type, loc)</c> with
/// their <c>msg</c>; for another error, the <c>detail</c> string.
/// </summary>
internal sealed record PydanticAnswer(int Status, IReadOnlyList<PydanticProblem> Problems, string? Detail)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>Reads FastAPI's body (or the oracle's line, which has the same shape) for <paramref name="status"/>.</summary>
    public static PydanticAnswer From(int status, JsonNode? body)
    {
        var detail = body?["detail"];
        if (detail is JsonArray items)
        {
            return new PydanticAnswer(status, items.Select(PydanticProblem.From).ToList(), null);
        }
        return new PydanticAnswer(status, [], detail is JsonValue value && value.TryGetValue<string>(out var text) ? text : null);
    }

    public JsonObject ToJson() => new()
    {
        ["status"] = Status,
        ["detail"] = Problems.Count > 0
            ? new JsonArray(Problems.Select(p => (JsonNode)p.ToJson()).ToArray())
            : Detail is null ? null : JsonValue.Create(Detail),
    };

    public override string ToString() => Problems.Count > 0
        ? $"{Status} " + string.Join("; ", Problems)
        : $"{Status}{(Detail is null ? "" : " " + Detail)}";
}
