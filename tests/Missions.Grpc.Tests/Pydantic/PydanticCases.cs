using System.Text;
using CsCheck;
using Google.Protobuf.Reflection;
using static Missions.Grpc.Tests.Fuzz.FuzzGenerators;

namespace Missions.Grpc.Tests.Pydantic;

/// <summary>
/// Generates the requests of the differential test against pydantic: every operation of the spec that reads a request
/// model or typed parameters, with bodies, paths and queries valid and invalid — wrong types, nulls, pydantic's lax
/// numbers and strings, unknown and duplicate keys, deep nesting, Unicode edge cases (lone surrogates, astral
/// characters before a syntax error), bad JSON of every kind Python's decoder names, byte order marks, bytes that are
/// not UTF-8, other encodings and content types. The body fields come from the request message the route reads (the
/// proto mirrors the spec's model), so a field added to both is generated without touching this file.
/// </summary>
internal static class PydanticCases
{
    /// <summary>The spec's operations with a request model or typed parameters (the others have nothing to validate).</summary>
    private static readonly (string Verb, string Template)[] Operations =
    [
        ("POST", "/v2/ai/missions"),
        ("PUT", "/v2/ai/missions/{mission_id}"),
        ("POST", "/v2/ai/missions/{mission_id}/runs"),
        ("PATCH", "/v2/ai/missions/{mission_id}/runs/{run_id}"),
        ("POST", "/v2/ai/missions/{mission_id}/runs/{run_id}/events"),
        ("POST", "/v2/ai/missions/{mission_id}/runs/{run_id}/plan"),
        ("POST", "/v2/ai/missions/{mission_id}/runs/{run_id}/plan/steps"),
        ("PATCH", "/v2/ai/missions/{mission_id}/runs/{run_id}/plan/steps/{step_id}"),
        ("POST", "/v2/ai/missions/{mission_id}/runs/{run_id}/telnyx-agents"),
        ("GET", "/v2/ai/missions"),
        ("GET", "/v2/ai/missions/events"),
        ("GET", "/v2/ai/missions/runs"),
        ("GET", "/v2/ai/missions/{mission_id}"),
        ("GET", "/v2/ai/missions/{mission_id}/runs"),
        ("GET", "/v2/ai/missions/{mission_id}/runs/{run_id}"),
        ("GET", "/v2/ai/missions/{mission_id}/runs/{run_id}/events"),
    ];

    public static Gen<PydanticRequest> Requests => Gen.OneOf(Operations.Select(ForOperation).ToArray());

    private static Gen<PydanticRequest> ForOperation((string Verb, string Template) operation)
    {
        var route = Fuzz.FuzzRoute.OfContract().SingleOrDefault(r => r.Verb == operation.Verb && r.Template == operation.Template)
            ?? throw new InvalidOperationException($"the contract has no {operation.Verb} {operation.Template}");
        var path = PathFor(route.Template, route.Variables);
        if (route.Body is null)
        {
            return path.Select(QueryFor(route.Query.Select(q => q.Name).ToArray()), (p, q) =>
                new PydanticRequest(p.Kind ?? q.Kind ?? "query", route.Verb, p.Path, q.Query, null, null));
        }
        return path.Select(BodyFor(route.Input, route.Variables), Gen.Frequency((30, Gen.Const("")), (1, Gen.OneOf("page[size]=0", "name=x"))),
            (p, b, q) => new PydanticRequest(b.Kind == "content-type" ? b.Kind : p.Kind ?? b.Kind ?? "body", route.Verb, p.Path, q, b.ContentType, b.Body));
    }

    // ---- paths ------------------------------------------------------------------------------------------------------

    private static readonly Gen<string> BadUuid = Gen.OneOf(
        Gen.OneOf("abc", "0", "not-a-uuid", "0193a5a0-0000-7000-8000-00000000000g", "0193a5a0-0000-7000-8000-0000000000011",
            "0193a5a0-0000-7000-8000", "%20", "0193a5a0_0000_7000_8000_000000000001", "{0193a5a0-0000-7000-8000-000000000001",
            "0193a5a0-0000-7000-8000-00000000000%C3%A9", "%F0%9F%98%80"),
        UuidMalformed.Where(s => s.Length > 0).Select(Uri.EscapeDataString)); // an empty segment is routing (a redirect in Starlette), not validation

    /// <summary>Other spellings pydantic reads as a UUID (no hyphens, upper case, braces, a urn prefix).</summary>
    private static readonly Gen<string> OtherUuidSpelling = Gen.Guid.Select(Gen.OneOf("N", "U", "B", "urn"), (g, f) => f switch
    {
        "U" => g.ToString("D").ToUpperInvariant(),
        "urn" => "urn:uuid:" + g.ToString("D"),
        "B" => Uri.EscapeDataString(g.ToString("B")),
        _ => g.ToString("N"),
    });

    private static Gen<(string Path, string? Kind)> PathFor(string template, string[] variables)
    {
        var values = Sequence(variables.Select(name => name is "mission_id" or "run_id"
            ? Gen.Frequency((24, Gen.Const(($"@@{name}@@", (string?)null))), (3, BadUuid.Select(b => (b, (string?)"path-uuid"))),
                (1, OtherUuidSpelling.Select(u => (u, (string?)"path-uuid-spelling"))))
            : Gen.Const(($"@@{name}@@", (string?)null))));
        return values.Select(vals =>
        {
            var path = template;
            string? kind = null;
            for (var i = 0; i < variables.Length; i++)
            {
                path = path.Replace("{" + variables[i] + "}", vals[i].Item1, StringComparison.Ordinal);
                kind ??= vals[i].Item2;
            }
            return (path, kind);
        });
    }

    // ---- queries ----------------------------------------------------------------------------------------------------

    private static readonly Gen<string> LaxIntText = Gen.OneOf(
        "1", "2", "20", "1000", "1001", "0", "-1", "+3", " 4", "5 ", "1_000", "1__0", "_1", "1.0", "1.5", "1e2", "1E1", "0x10", "١٢", "",
        "abc", "9223372036854775808", "99999999999999999999999", "-0", "00", "true", "null", "\u00a01", "1\u00a0", "٣");

    /// <summary>A query of the route's parameters (<paramref name="names"/>: <c>status</c>, <c>page[size]</c>, …) and some that are not.</summary>
    private static Gen<(string Query, string? Kind)> QueryFor(string[] names)
    {
        var value = Gen.Frequency((5, LaxIntText), (2, Word), (1, Gen.OneOf("running", "succeeded", "message", "custom", "RUNNING", "")),
            (1, Unicode));
        var junk = Gen.OneOf("page", "page[]", "page[size", "unknown", "page.size", "PAGE[SIZE]").Select(value, (n, v) => (n, v));
        var pair = names.Length == 0 ? junk : Gen.Frequency((8, Gen.OneOf(names).Select(value, (n, v) => (n, v))), (1, junk));
        return pair.Array[0, 4].Select(Gen.Bool, (pairs, repeat) =>
        {
            var all = repeat && pairs.Length > 0 ? pairs.Append((pairs[0].n, "7")).ToArray() : pairs;
            return (string.Join("&", all.Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2))), (string?)(all.Length == 0 ? "query-none" : "query"));
        });
    }

    // ---- bodies -----------------------------------------------------------------------------------------------------

    /// <summary>Integers as pydantic's lax mode sees them: exact, from floats, strings, booleans, out of range, not finite.</summary>
    private static readonly Gen<string> IntValue = Gen.Frequency(
        (6, Gen.Int[-3, 100].Select(i => i.ToString())),
        (6, Gen.OneOf("0", "-1", "2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775808", "1" + new string('0', 40),
            "1.0", "2.0", "1.5", "-0.5", "1e2", "1E2", "1e-2", "1e400", "-1e400", "1.0000000000000001", "0.99999999999999999", "-0", "-0.0",
            "true", "false", "null", "[]", "{}", "[1]",
            "\"1\"", "\" 2 \"", "\"1_000\"", "\"1.0\"", "\"1.5\"", "\"1e2\"", "\"\"", "\"abc\"", "\"+4\"", "\"-5\"", "\"0x10\"", "\"٣\"",
            "\"2147483648\"", "\"9999999999999999999999\"", "\"\\u00a01\"", "\"NaN\"", "\"inf\"")));

    private static readonly Gen<string> StringValue = Gen.Frequency(
        (8, JsonString(Word)),
        (3, JsonString(Unicode)),
        (1, JsonString(Gen.Const(""))),
        (1, Gen.OneOf(256, 257, 1000, 1001, 4096).Select(n => Quote(new string('a', n)))),
        (2, Gen.OneOf("\"\\ud800\"", "\"a\\udc00b\"", "\"\\ud83d\\ude00\"", "\"\\u0000\"", "\"tab\\tnew\\nline\"", "\"\\/\"", "\"\\u00e9\"")),
        (3, Gen.OneOf("1", "1.5", "true", "false", "null", "[]", "{}", "[\"a\"]", "{\"a\":1}", "0")));

    /// <summary>Free-form JSON values: anything JSON can hold, around the stored limits (2^53, doubles' range, nesting).</summary>
    private static readonly Gen<string> FreeValue = Gen.Recursive<string>((depth, self) => depth > 3
        ? Gen.Frequency((4, Scalar), (1, Gen.OneOf("9007199254740993", "9007199254740992", "-9007199254740993", "1" + new string('7', 400),
            "1e308", "1e309", "-1e400", "1.5e-400", "NaN", "Infinity", "-Infinity", "0.1", "\"\\ud800\"")))
        : Gen.Frequency((6, Scalar), (1, Gen.OneOf("9007199254740993", "1" + new string('7', 400), "1e400", "NaN", "Infinity", "\"\\udc00\"",
                "-" + new string('9', 4300), new string('9', 4301))),
            (1, ArrayOf(self, 3)), (2, ObjectOf(self, 3))));

    private static readonly Gen<string> FreeObject = Gen.Frequency(
        (10, ObjectOf(FreeValue, 4)),
        (1, Gen.OneOf("{\"\\ud800\":1}", "{\"a\":1,\"a\":{\"b\":2}}", "{\"\":null}", "{\"k\":\"\\u0000\"}")),
        (2, Gen.Int[28, 40].Select(n => string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n))),
        (1, Gen.OneOf(64, 65, 100, 300).Select(n => "{\"a\":" + new string('[', n) + new string(']', n) + "}")),
        (2, Gen.OneOf("[]", "[1]", "\"x\"", "1", "true", "null", "\"{}\"")));

    private static Gen<string> EnumValue(string[] names) => Gen.Frequency(
        (6, Gen.OneOf(names).Select(n => Quote(n))),
        (3, Gen.OneOf(names).Select(Gen.Int[0, 3], (n, k) => Quote(k switch { 0 => n.ToUpperInvariant(), 1 => " " + n, 2 => n + "x", _ => "" }))),
        (2, Gen.OneOf("1", "0", "null", "true", "[]", "{}", "\"unknown\"", "\"STATUS_UNSPECIFIED\"")));

    private static Gen<string> ValueOf(FieldDescriptor field, int depth)
    {
        if (field.IsRepeated)
        {
            var item = field.FieldType == FieldType.Message && depth < 2 ? ObjectGen(field.MessageType, depth + 1, []) : StringValue;
            return Gen.Frequency(
                (10, item.Array[0, 3].Select(a => "[" + string.Join(",", a) + "]")),
                (1, Gen.OneOf(item, Gen.OneOf("null", "1", "\"x\"", "[]", "{}")).Array[1, 3].Select(a => "[" + string.Join(",", a) + "]")),
                (2, Gen.OneOf("null", "{}", "\"x\"", "1", "true", "{\"0\":{}}")));
        }
        return field.FieldType switch
        {
            FieldType.String => StringValue,
            FieldType.Int32 or FieldType.Int64 or FieldType.UInt32 or FieldType.UInt64 or FieldType.SInt32 or FieldType.SInt64 => IntValue,
            FieldType.Bool => Gen.OneOf("true", "false", "1", "0", "\"true\"", "\"yes\"", "\"off\"", "null", "2", "\"\""),
            FieldType.Enum => EnumValue(field.EnumType.Values.Where(v => v.Number != 0).Select(v => v.Name).ToArray()),
            FieldType.Message when field.MessageType.FullName == "google.protobuf.Struct" => FreeObject,
            FieldType.Message when depth < 2 => ObjectGen(field.MessageType, depth + 1, []),
            _ => Gen.Const("{}"),
        };
    }

    /// <summary>A JSON object of the message's fields, each present or not, sometimes with unknown or repeated keys.</summary>
    private static Gen<string> ObjectGen(MessageDescriptor type, int depth, string[] exclude)
    {
        var fields = type.Fields.InDeclarationOrder().Where(f => !exclude.Contains(f.Name)).ToArray();
        var members = Sequence(fields.Select(f => Gen.Frequency(
            (5, ValueOf(f, depth).Select(v => (string?)(Quote(f.JsonName) + ":" + v))),
            (2, Gen.Const((string?)null)))));
        var unknownKey = Gen.OneOf("\"x\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\"", "\"__proto__\"", "\"Name\"", "\"😀\"", "\"\\u0000\"");
        var extras = Gen.Frequency(
            (8, Gen.Const<string[]>([])),
            (2, unknownKey.Select(FreeValue, (k, v) => k + ":" + v).Array[1, 2]),
            (2, Gen.OneOf(fields).Select(f => ValueOf(f, depth + 1).Select(v => Quote(f.JsonName) + ":" + v)).SelectMany(g => g).Array[1, 1]));
        return members.Select(extras, Gen.Bool, (present, more, extrasFirst) =>
        {
            var all = present.OfType<string>().ToList();
            if (extrasFirst)
            {
                all.InsertRange(0, more);
            }
            else
            {
                all.AddRange(more);
            }
            return "{" + string.Join(",", all) + "}";
        });
    }

    private static readonly string[] BrokenBodies =
    [
        "{", "}", "[", "{\"name\":}", "{\"name\":\"x\",}", "{'name':'x'}", "{\"name\" \"x\"}", "{\"name\":\"x\" \"model\":\"y\"}", "{name:1}",
        "{\"name\":\"x\"}{", "{\"name\":\"x\"} x", "{\"name\":\"x\"}\n\n]", "nul", "tru", "fals", "\"", "\"abc", "{\"name\":\"abc",
        "{\"name\":\"a\\qb\"}", "{\"name\":\"\\u12\"}", "{\"name\":\"\\u12G4\"}", "{\"name\":\"a\tb\"}", "{\"name\":\"a\u0001b\"}",
        "{\"name\":-}", "{\"name\":1e}", "{\"name\":01}", "{\"name\":.5}", "{\"name\":1.}", "{\"name\":+1}", "[1,2", "[1,]", "{\"a\":[1,2}",
        "{\"name\":\"😀😀😀\", x}", "{\"😀\":1 x}", "{\"name\":\"é\",\"description\":tru}", "\u00e9", "{\"name\":\"x\"} /* c */",
        "{\"name\":nan}", "{\"name\":NaN}", "{\"name\":-Infinity}", "{\"name\":infinity}", "{\"name\":True}", "{\"name\":None}",
        "{\"name\":\"x\"\u00a0}", "\u00a0{\"name\":\"x\"}", "{\"name\"\n:\n\"x\"\n,\n}", "{\n\"a\": [\n1,\n2,,\n]\n}",
    ];

    private static Gen<(string? ContentType, byte[]? Body, string? Kind)> BodyFor(MessageDescriptor input, string[] variables)
    {
        var typed = ObjectGen(input, 0, variables);
        var mutated = Mutated(typed, "{}[]\",:\\ 0aen.\u00e9\u0000-");
        var whole = Gen.OneOf("", " ", "\n\t ", "null", " null ", "[]", "[{}]", "\"x\"", "1", "true", "{}", "{ }", "\"{}\"");
        var text = Gen.Frequency(
            (40, typed.Select(t => (t, (string?)"body"))),
            (8, mutated.Select(t => (t, (string?)"body-mutated"))),
            (5, Gen.OneOf(BrokenBodies).Select(t => (t, (string?)"body-broken"))),
            (4, whole.Select(t => (t, (string?)"body-whole"))),
            (1, Gen.OneOf(DeepObject, Gen.OneOf(63, 64, 65, 200).Select(n => new string('[', n) + new string(']', n))).Select(t => (t, (string?)"body-deep"))));
        var encoded = text.Select(Gen.Frequency((40, Gen.Const(0)), (2, Gen.Const(1)), (2, Gen.Const(2)), (1, Gen.Const(3)), (1, Gen.Const(4))),
            Gen.Int.NonNegative, (t, encoding, at) =>
            {
                var bytes = Encoding.UTF8.GetBytes(t.Item1);
                return encoding switch
                {
                    1 => ([.. Encoding.UTF8.Preamble, .. bytes], "body-bom"),
                    2 => ([.. bytes[..(at % (bytes.Length + 1))], 0xFF, .. bytes[(at % (bytes.Length + 1))..]], "body-not-utf8"),
                    3 => (Encoding.Unicode.GetBytes(t.Item1), "body-utf16"),
                    4 => ([.. bytes[..(at % (bytes.Length + 1))], 0xED, 0xA0, 0x80, .. bytes[(at % (bytes.Length + 1))..]], "body-encoded-surrogate"),
                    _ => (bytes, t.Item2),
                };
            });
        var contentType = Gen.Frequency(
            (40, Gen.Const<string?>("application/json")),
            (2, Gen.Const((string?)null)),
            (2, Gen.OneOf<string?>("application/json; charset=utf-8", "application/vnd.api+json", "APPLICATION/JSON", "application/merge-patch+json")),
            (2, Gen.OneOf<string?>("text/plain", "application/x-www-form-urlencoded", "text/json", "application/xml")));
        return encoded.Select(contentType, Gen.Frequency((30, Gen.Const(false)), (1, Gen.Const(true))), (b, type, absent) =>
        {
            var kind = type is null or "application/json" ? b.Item2 : type.Contains("json", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("text", StringComparison.Ordinal) ? b.Item2 : "content-type";
            return absent ? (type, (byte[]?)null, (string?)"body-absent") : (type, (byte[]?)b.Item1, kind);
        });
    }
}
