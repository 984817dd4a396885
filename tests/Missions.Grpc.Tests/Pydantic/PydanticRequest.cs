using System.Text;
using System.Text.Json.Nodes;

namespace Missions.Grpc.Tests.Pydantic;

/// <summary>
/// One REST request of the differential test: what is sent, with the fixture's ids as placeholders (<c>@@mission_id@@</c>)
/// in the path; <see cref="Kind"/> names what the generator meant to exercise (for the departures and the summary).
/// </summary>
internal sealed record PydanticRequest(string Kind, string Method, string Path, string Query, string? ContentType, byte[]? Body)
{
    /// <summary>The ids the oracle sees for the placeholders (any well-formed ones: the oracle stops before the handler).</summary>
    private static readonly Dictionary<string, string> OracleIds = new(StringComparer.Ordinal)
    {
        ["mission_id"] = "0193a5a0-0000-7000-8000-000000000001",
        ["run_id"] = "0193a5a0-0000-7000-8000-000000000002",
        ["step_id"] = "step-1",
    };

    public string Resolve(IReadOnlyDictionary<string, string> ids) =>
        System.Text.RegularExpressions.Regex.Replace(Path, "@@([a-z_]+)@@", m => Uri.EscapeDataString(ids[m.Groups[1].Value]));

    /// <summary>The request as the oracle reads it (one JSON line).</summary>
    public JsonObject ToOracle() => new()
    {
        ["method"] = Method,
        ["path"] = Resolve(OracleIds),
        ["query"] = Query,
        ["content_type"] = ContentType,
        ["body"] = Body is null ? null : Convert.ToBase64String(Body),
    };

    /// <summary>The request as the corpus keeps it: the body as text when it is UTF-8 (readable in a diff), else base64.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["kind"] = Kind,
            ["method"] = Method,
            ["path"] = Path,
            ["query"] = Query,
            ["content_type"] = ContentType,
        };
        if (Body is null)
        {
            json["body"] = null;
        }
        else if (System.Text.Unicode.Utf8.IsValid(Body))
        {
            json["body"] = Encoding.UTF8.GetString(Body);
        }
        else
        {
            json["body_base64"] = Convert.ToBase64String(Body);
        }
        return json;
    }

    public static PydanticRequest FromJson(JsonNode json) => new(
        (string)json["kind"]!, (string)json["method"]!, (string)json["path"]!, (string?)json["query"] ?? "", (string?)json["content_type"],
        json["body_base64"] is { } encoded ? Convert.FromBase64String((string)encoded!)
            : json["body"] is { } text ? Encoding.UTF8.GetBytes((string)text!) : null);

    public override string ToString()
    {
        var body = Body is null ? "(none)" : Encoding.UTF8.GetString(Body);
        return $"[{Kind}] {Method} {Path}{(Query.Length > 0 ? "?" + Query : "")} content-type={ContentType ?? "(none)"} body={(body.Length > 400 ? body[..400] + "…" : body)}";
    }
}
