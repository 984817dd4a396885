using System.Text.Json.Nodes;

namespace Missions.Grpc.Tests.Pydantic;

/// <summary>One item of a 422's <c>detail</c>: its type and location (the pair compared) and its message.</summary>
internal sealed record PydanticProblem(string Type, string Loc, string Msg)
{
    /// <summary>The location as compact JSON (<c>["body","steps",0,"sequence"]</c>): comparable as a string.</summary>
    public static PydanticProblem From(JsonNode? item) =>
        new((string)item!["type"]!, item["loc"]!.ToJsonString(), (string?)item["msg"] ?? "");

    public (string Type, string Loc) Key => (Type, Loc);

    public JsonObject ToJson() => new() { ["type"] = Type, ["loc"] = JsonNode.Parse(Loc), ["msg"] = Msg };

    public override string ToString() => $"{Type} at {Loc} \"{Msg}\"";
}
