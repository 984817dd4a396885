using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// A REST request read the way FastAPI reads it, before transcoding: the body's JSON checked against
/// the method's input descriptor, route values set, and the resulting message run through the same
/// <see cref="MessageValidator"/> that guards gRPC calls. Holds what it read so error responses can
/// quote the caller's <c>input</c>.
/// </summary>
public sealed class RestRequest
{
    private static readonly JsonParser ProtoJson = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    private readonly RestMethod _method;
    private readonly IReadOnlyDictionary<string, string> _routeValues;
    private readonly IQueryCollection _query;
    private JsonNode? _body;

    /// <param name="query">The query with names already as field paths (<see cref="QueryAliases"/>).</param>
    public RestRequest(RestMethod method, IReadOnlyDictionary<string, string> routeValues, IQueryCollection query)
    {
        _method = method;
        _routeValues = routeValues;
        _query = query;
    }

    /// <summary>The body to hand to the transcoder (an absent optional body becomes <c>{}</c>).</summary>
    public byte[] Body { get; private set; } = EmptyObject;

    /// <summary>The query parameters that bind to request fields, by field path, as the transcoder should read them.</summary>
    public Dictionary<string, string> BoundQuery { get; } = new(StringComparer.Ordinal);

    /// <summary>Checks the request; returns every violation found (none when it is valid).</summary>
    public IReadOnlyList<Violation> Validate(byte[]? body, int maxDepth, MessageValidator validator)
    {
        var input = _method.Method.InputType;
        var violations = new List<Violation>();
        IMessage message = input.Parser.ParseFrom(ByteString.Empty);
        if (_method.HasBody)
        {
            if (body is null || IsBlank(body))
            {
                if (_method.BodyRequired)
                {
                    return [Pydantic.Missing([])];
                }
                body = EmptyObject;
            }
            if (body.AsSpan().StartsWith("\uFEFF"u8))
            {
                body = body[3..]; // a UTF-8 byte order mark, which Python's json accepts
            }
            if (FirstInvalidUtf8(body) is { } badByte)
            {
                // JsonDocument checks string contents lazily; the body is refused whole, as Python's decoder does.
                return [Pydantic.JsonInvalid(badByte, $"'utf-8' codec can't decode byte 0x{body[badByte]:x2} in position {badByte}")];
            }
            try
            {
                _body = ParseLastWins(body, maxDepth);
                if (_body is null)
                {
                    if (_method.BodyRequired)
                    {
                        return [Pydantic.Missing([])]; // JSON null for a required body: FastAPI's "Field required"
                    }
                    _body = new JsonObject(); // JSON null for an optional body means its default, {}
                }
            }
            catch (JsonException error)
            {
                return [Pydantic.JsonInvalid(Offset(body, error), Describe(error))];
            }
            catch (InvalidOperationException error)
            {
                return [Pydantic.JsonInvalid(0, error.Message)]; // an object key that is not valid UTF-16
            }
            // The working copy loses what is not a body field (unknown keys, path fields of the same
            // name) and, in the checker, every invalid value; what remains is what the transcoder gets.
            var working = _body?.DeepClone();
            if (BodyFieldJsonName is { } bodyField)
            {
                working = new JsonObject { [bodyField] = working }; // the body is that one field's value
            }
            else if (working is JsonObject fields)
            {
                foreach (var name in _method.RouteFields)
                {
                    fields.Remove(MessageRules.For(input).ByProtoName[name].JsonName);
                }
            }
            violations.AddRange(JsonShapeChecker.Check(working, input));
            if (working is not JsonObject checkedFields)
            {
                return violations;
            }
            try
            {
                var json = working.ToJsonString();
                message = ProtoJson.Parse(json, input);
                Body = Encoding.UTF8.GetBytes(BodyFieldJsonName is { } field
                    ? checkedFields[field]?.ToJsonString() ?? "{}"
                    : json);
            }
            catch (Exception error) when (error is InvalidProtocolBufferException or FormatException or InvalidJsonException or InvalidOperationException)
            {
                violations.Add(Pydantic.ValueError([], error.Message));
                return violations;
            }
        }
        SetRouteFields(message);
        if (!_method.HasBody)
        {
            violations.AddRange(QueryBinder.Bind(message, _query, BoundQuery, _method.RouteFields));
        }
        foreach (var violation in validator.Validate(message))
        {
            if (!violations.Any(v => Overlaps(v.Path, violation.Path)))
            {
                violations.Add(violation);
            }
        }
        return Order(violations, input);
    }

    /// <summary>Offset of the first byte that is not part of valid UTF-8, or null when all of it is.</summary>
    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return null;
        }
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }
            offset += consumed;
        }
        return null;
    }

    /// <summary>
    /// Parses JSON as Python's json module does where System.Text.Json is stricter: a key given twice
    /// keeps its last value (JsonNode would throw).
    /// </summary>
    private static JsonNode? ParseLastWins(byte[] body, int maxDepth)
    {
        // Not disposed: the values below keep referring to the document (its memory is the body array).
        var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth });
        return ToNode(document.RootElement);

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

    /// <summary>
    /// With an http rule <c>body: "field"</c> (not <c>*</c>): that field's JSON name. The body is then the
    /// field's value, and its violations are located at <c>body</c> itself.
    /// </summary>
    private string? BodyFieldJsonName => _method.HasBody && _method.Http.Body != "*"
        ? MessageRules.For(_method.Method.InputType).ByProtoName[_method.Http.Body].JsonName
        : null;

    /// <summary>A violation's full FastAPI <c>loc</c> and the <c>input</c> it refers to.</summary>
    public (IReadOnlyList<object> Loc, JsonNode? Input) Locate(Violation violation)
    {
        if (violation.Type == "json_invalid")
        {
            return (["body", .. violation.Path], new JsonObject());
        }
        if (BodyFieldJsonName is { } bodyField && violation.Path.Count > 0 && Equals(violation.Path[0], bodyField))
        {
            var within = violation.Path.Skip(1).ToList();
            var at = violation.Type == "missing" ? within.Take(within.Count - 1) : within;
            return (["body", .. within], Navigate(_body, at)?.DeepClone());
        }
        if (violation.Path.Count == 0)
        {
            return ([_method.HasBody ? "body" : "query"], violation.Type == "missing" ? null : _body?.DeepClone());
        }
        var first = (string)violation.Path[0];
        var location = _method.LocationOf(first);
        if (location == "path")
        {
            return (["path", first], _routeValues.TryGetValue(first, out var raw) ? JsonValue.Create(raw) : null);
        }
        if (location == "query")
        {
            var raw = _query[Violation.FormatPath(violation.Path)];
            return (["query", QueryAliases.ToQueryName(violation.Path)], raw.Count > 0 ? JsonValue.Create(raw[^1]) : null);
        }
        var target = violation.Type == "missing" ? violation.Path.Take(violation.Path.Count - 1) : violation.Path;
        return ([location, .. violation.Path], Navigate(_body, target)?.DeepClone());
    }

    private void SetRouteFields(IMessage message)
    {
        foreach (var name in _method.RouteFields)
        {
            var field = message.Descriptor.FindFieldByName(name);
            if (field is { FieldType: FieldType.String, IsRepeated: false }
                && _routeValues.TryGetValue(field.Name, out var value))
            {
                field.Accessor.SetValue(message, value);
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

    /// <summary>Two violations about the same value (or one inside the other): report only the first.</summary>
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

    /// <summary>pydantic reports fields in declaration order.</summary>
    private static List<Violation> Order(List<Violation> violations, MessageDescriptor input)
    {
        var rules = MessageRules.For(input);
        int Rank(Violation v) => v.Path.Count > 0 && v.Path[0] is string name && rules.ByJsonName.TryGetValue(name, out var rule)
            ? rule.Field.Index
            : -1;
        return violations.Select((v, i) => (v, i)).OrderBy(p => Rank(p.v)).ThenBy(p => p.i).Select(p => p.v).ToList();
    }

    private static bool IsBlank(byte[] body) => body.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n');

    /// <summary>Where the JSON went wrong, in characters, as Python's json module reports it (FastAPI's parser).</summary>
    private static int Offset(byte[] body, JsonException error)
    {
        if (IsTruncated(body))
        {
            return Encoding.UTF8.GetCharCount(body); // cut short: the error is at the end of the input
        }
        var line = error.LineNumber ?? 0;
        var offset = 0;
        for (var i = 0; i < body.Length && line > 0; i++)
        {
            if (body[i] == (byte)'\n')
            {
                line--;
                offset = i + 1;
            }
        }
        var position = offset + (int)(error.BytePositionInLine ?? 0);
        // pydantic counts characters, not bytes.
        return Encoding.UTF8.GetCharCount(body, 0, Math.Min(position, body.Length));
    }

    /// <summary>The body is valid JSON so far but ends before the value does.</summary>
    private static bool IsTruncated(byte[] body)
    {
        var reader = new Utf8JsonReader(body, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
            }
            return true; // ran out of input without a syntax error: the body was cut short
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Describe(JsonException error)
    {
        var message = error.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}
