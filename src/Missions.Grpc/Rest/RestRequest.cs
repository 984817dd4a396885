using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// What a REST request sent — route values, query, body bytes — kept so that an error answer can say where each problem
/// is (<c>loc</c>: body, path or query) and quote the caller's <c>input</c>. The body is parsed into a document only
/// then, on the error path: a valid request is read once, by <see cref="RestBodyReader"/>.
/// </summary>
internal sealed class RestRequest(RestMethod method, IReadOnlyDictionary<string, string> routeValues, IQueryCollection query, IHeaderDictionary headers, byte[]? body)
{
    private JsonNode? _document;
    private bool _parsed;

    /// <summary>A violation's full FastAPI <c>loc</c> and the <c>input</c> it refers to.</summary>
    public (IReadOnlyList<object> Loc, JsonNode? Input) Locate(Violation violation)
    {
        if (violation.Source == Violation.Header)
        {
            var name = (string)violation.Path[0];
            return ([Violation.Header, name], headers.TryGetValue(name, out var value) ? JsonValue.Create(value.ToString()) : null);
        }
        if (violation.Type == "json_invalid")
        {
            return (["body", .. violation.Path], new JsonObject());
        }
        if (method.BodyField is { } bodyField && violation.Path.Count > 0 && Equals(violation.Path[0], bodyField.JsonName))
        {
            var within = violation.Path.Skip(1).ToList();
            var at = violation.Type == "missing" ? within.Take(within.Count - 1) : within;
            return (["body", .. within], Navigate(Document, at)?.DeepClone());
        }
        if (violation.Path.Count == 0)
        {
            return ([method.HasBody ? "body" : "query"], violation.Type == "missing" ? null : Document?.DeepClone());
        }
        var first = (string)violation.Path[0];
        var location = method.LocationOf(first);
        if (location == "path")
        {
            return (["path", first], routeValues.TryGetValue(first, out var raw) ? JsonValue.Create(raw) : null);
        }
        if (location == "query")
        {
            var raw = query[Violation.FormatPath(violation.Path)];
            return (["query", QueryAliases.ToQueryName(violation.Path)], raw.Count > 0 ? JsonValue.Create(raw[^1]) : null);
        }
        var target = violation.Type == "missing" ? violation.Path.Take(violation.Path.Count - 1) : violation.Path;
        return ([location, .. violation.Path], Navigate(Document, target)?.DeepClone());
    }

    /// <summary>
    /// The 422's problems in pydantic's order: what the body reader found, then what the validator found in what was
    /// read — except where the reader already reported that value (or one inside it) — by field declaration order.
    /// </summary>
    public static List<Violation> Merge(IReadOnlyList<Violation> read, IReadOnlyList<Violation> validated, MessageDescriptor input)
    {
        var violations = read.ToList();
        foreach (var violation in validated)
        {
            if (!read.Any(v => Overlaps(v.Path, violation.Path)))
            {
                violations.Add(violation);
            }
        }
        var rules = MessageRules.For(input);
        int Rank(Violation v) => v.Path.Count > 0 && v.Path[0] is string name && rules.ByJsonName.TryGetValue(name, out var rule)
            ? rule.Field.Index
            : -1;
        return violations.Select((v, i) => (v, i)).OrderBy(p => Rank(p.v)).ThenBy(p => p.i).Select(p => p.v).ToList();
    }

    /// <summary>The body as a document (a key given twice keeps its last value), for quoting inputs; null when it is not JSON.</summary>
    private JsonNode? Document
    {
        get
        {
            if (!_parsed)
            {
                _parsed = true;
                _document = ParseLastWins(body);
            }
            return _document;
        }
    }

    private static JsonNode? ParseLastWins(byte[]? body)
    {
        if (body is null)
        {
            return null;
        }
        ReadOnlyMemory<byte> json = body;
        if (json.Span.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }
        try
        {
            // Not disposed: the values below keep referring to the document (its memory is the body array).
            return ToNode(JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }).RootElement);
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }

        static JsonNode? ToNode(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var obj = new JsonObject();
                    foreach (var property in element.EnumerateObject())
                    {
                        obj[property.Name] = ToNode(property.Value);
                    }
                    return obj;
                case JsonValueKind.Array:
                    var array = new JsonArray();
                    foreach (var item in element.EnumerateArray())
                    {
                        array.Add(ToNode(item));
                    }
                    return array;
                case JsonValueKind.Null:
                    return null;
                default:
                    return JsonValue.Create(element);
            }
        }
    }

    private static JsonNode? Navigate(JsonNode? node, IEnumerable<object> path)
    {
        foreach (var segment in path)
        {
            node = segment switch
            {
                int index when node is JsonArray array && index < array.Count => array[index],
                string name when node is JsonObject obj => obj[name],
                _ => null,
            };
        }
        return node;
    }

    /// <summary>Two violations about the same value (or one inside the other).</summary>
    private static bool Overlaps(IReadOnlyList<object> a, IReadOnlyList<object> b)
    {
        var n = Math.Min(a.Count, b.Count);
        for (var i = 0; i < n; i++)
        {
            if (!Equals(a[i], b[i]))
            {
                return false;
            }
        }
        return true;
    }
}
