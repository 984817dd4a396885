using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using Missions.Grpc.Rest.Json;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// What a REST request sent — route values, query, body bytes — kept so that an error answer can say where each problem
/// is (<c>loc</c>: body, path or query) and quote the caller's <c>input</c>, from the body as it was decoded (a document
/// is built only then, on the error path).
/// </summary>
internal sealed class RestRequest(RestMethod method, IReadOnlyDictionary<string, string> routeValues, IReadOnlyDictionary<string, string> query, IHeaderDictionary headers, PythonJson.Node? body)
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
            var name = QueryAliases.ToQueryName(violation.Path);
            return (["query", name], query.TryGetValue(name, out var raw) ? JsonValue.Create(raw) : null);
        }
        var target = violation.Type == "missing" ? violation.Path.Take(violation.Path.Count - 1) : violation.Path;
        return ([location, .. violation.Path], Navigate(Document, target)?.DeepClone());
    }

    /// <summary>
    /// The 422's problems in pydantic's order: what the body reader found, then what the validator found in what was
    /// read — except where the reader already reported that value (or one inside it) — by field declaration order.
    /// </summary>
    /// A problem with the body as a whole (not an object, missing) leaves only the path's and query's findings.
    public static List<Violation> Merge(IReadOnlyList<Violation> read, IReadOnlyList<Violation> validated, MessageDescriptor input, RestMethod method)
    {
        var violations = read.ToList();
        var wholeBody = read.Any(v => v.Path.Count == 0);
        foreach (var violation in validated)
        {
            var inBody = violation.Path.Count == 0 || (violation.Path[0] is string name && method.LocationOf(name) == "body");
            if (wholeBody && inBody)
            {
                continue;
            }
            if (!read.Any(v => v.Path.Count > 0 && Overlaps(v.Path, violation.Path)))
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

    /// <summary>The body as a document, for quoting inputs (built on the error path only); null when it is not JSON.</summary>
    private JsonNode? Document
    {
        get
        {
            if (!_parsed)
            {
                _parsed = true;
                _document = body is null ? null : ToNode(body);
            }
            return _document;
        }
    }

    /// <summary>
    /// The decoded value as JSON to quote: text with a lone surrogate (which JSON output cannot carry) has it replaced by
    /// U+FFFD; NaN and ±Infinity, which JSON has no number for, are quoted as text; integers as written.
    /// </summary>
    private static JsonNode? ToNode(PythonJson.Node node)
    {
        switch (node)
        {
            case PythonJson.Object members:
                var obj = new JsonObject();
                foreach (var (key, value) in members.Members)
                {
                    obj[Printable(key)] = ToNode(value);
                }
                return obj;
            case PythonJson.Array array:
                var list = new JsonArray();
                foreach (var item in array.Items)
                {
                    list.Add(ToNode(item));
                }
                return list;
            case PythonJson.String text:
                return JsonValue.Create(Printable(text.Value));
            case PythonJson.Number number when number.IsFloat && !double.IsFinite(number.AsDouble()):
                return JsonValue.Create(number.Text);
            case PythonJson.Number number:
                return JsonValue.Create(JsonDocument.Parse(number.Text).RootElement.Clone());
            case PythonJson.Bool flag:
                return JsonValue.Create(flag.Value);
            default:
                return null;
        }
    }

    /// <summary>The text, with a lone surrogate as U+FFFD (as <see cref="string.EnumerateRunes"/> gives it).</summary>
    private static string Printable(string text) => PydanticLax.IsStorable(text)
        ? text
        : string.Concat(text.EnumerateRunes().Select(rune => rune.ToString()));

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
