using System.Text;
using CsCheck;
using Google.Protobuf.Reflection;
using Missions.Grpc.Tests.Infrastructure;
using static Missions.Grpc.Tests.Fuzz.FuzzFixture;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>CsCheck generators of the fuzz: strings, JSON, typed values from the proto descriptors, bodies, paths, queries, headers.</summary>
internal static class FuzzGenerators
{
    internal const string WordChars = "abcdefghijklmnopqrstuvwxyz0123456789-_.";

    internal static readonly Gen<string> Word = Gen.Char[WordChars].Array[1, 12].Select(c => new string(c));

    internal static readonly Gen<string> Ascii = Gen.Char[' ', '~'].Array[0, 24].Select(c => new string(c));

    internal static readonly string[] Specials =
    [
        "\0", "\u0001", "\n", "\r\n", "\t", "\u007f", "\u00e9", "\u00df", "\u0130", "e\u0301", "\u200b", "\u202e", "\ufeff", "\uffff",
        "\ufffd", "\u65e5\u672c\u8a9e", "\U0001F600", "\U0010FFFF", "'", "\"", "\\", "/", "%", "%00", "%2F", "../", "{", "}", "[", "]",
        "&", "=", "?", "#", "+", " ", "@@run_id@@",
    ];

    internal static readonly Gen<string> Unicode = Gen.Frequency(
            (3, Gen.OneOf(Specials)),
            (2, Gen.Char['\u00a0', '\ud7ff'].Select(c => c.ToString())),
            (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)))
        .Array[1, 10].Select(string.Concat);

    internal static readonly Gen<string> Long =
        Gen.OneOf(255, 256, 257, 1000, 8192, 8193, 65536, 65537).Select(Gen.Char['a', 'z'], (n, c) => new string(c, n));

    internal static readonly Gen<string> UuidValid = Gen.Guid.Select(Gen.OneOf("D", "N", "B", "P", "U"), (g, f) =>
        f == "U" ? g.ToString("D").ToUpperInvariant() : g.ToString(f));

    internal static readonly Gen<string> UuidMalformed = Gen.Guid.Select(Gen.Int[0, 6], Gen.Int[0, 35], (g, kind, at) =>
    {
        var s = g.ToString("D");
        return kind switch
        {
            0 => s[..at],
            1 => s + "0",
            2 => s[..at] + "g" + s[(at + 1)..],
            3 => s.Replace("-", ""),
            4 => " " + s,
            5 => s[..at] + "-" + s[at..],
            _ => "00000000-0000-0000-0000-00000000000",
        };
    });

    internal static readonly Gen<string> AnyString = Gen.Frequency(
        (4, Word), (3, Ascii), (3, Unicode), (1, UuidValid), (1, UuidMalformed), (1, Gen.Const("")), (1, Long));

    internal static readonly Gen<string> Number = Gen.Frequency(
        (3, Gen.Int[-5, 1500].Select(i => i.ToString())),
        (1, Gen.Int.Select(i => i.ToString())),
        (2, Gen.OneOf("0", "-1", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "1.5", "1e2", "1E400", "-0",
            "0.0", "1e-400", "1.0", "00", "+1", ".5", "NaN", "Infinity", "0x10", "1_000")));

    /// <summary>A JSON string literal: raw UTF-8, or with everything outside ASCII \u-escaped.</summary>
    internal static string Quote(string s, bool escapeAll = false)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s)
        {
            if (c is '"' or '\\')
            {
                b.Append('\\').Append(c);
            }
            else if (c < 0x20 || (escapeAll && c > 0x7e))
            {
                b.Append($"\\u{(int)c:x4}");
            }
            else
            {
                b.Append(c);
            }
        }
        return b.Append('"').ToString();
    }

    internal static Gen<string> JsonString(Gen<string> content) => content.Select(Gen.Int[0, 4], (s, k) => Quote(s, k == 0));

    internal static readonly Gen<string> Scalar = Gen.Frequency(
        (1, Gen.OneOf("null", "true", "false")), (2, Number), (3, JsonString(AnyString)));

    internal static readonly Gen<string> Key = Gen.Frequency((6, Word), (1, Unicode), (1, Gen.OneOf("", "__proto__", "$ref", "data", "detail", "a.b", "page[size]")));

    internal static Gen<string> ArrayOf(Gen<string> item, int max = 4) => item.Array[0, max].Select(a => "[" + string.Join(",", a) + "]");

    internal static Gen<string> ObjectOf(Gen<string> value, int max = 4) =>
        Key.Select(value, (k, v) => Quote(k) + ":" + v).Array[0, max].Select(a => "{" + string.Join(",", a) + "}");

    internal static readonly Gen<string> AnyJson = Gen.Recursive<string>((depth, self) => depth > 3
        ? Scalar
        : Gen.Frequency((5, Scalar), (1, ArrayOf(self)), (2, ObjectOf(self))));

    /// <summary>Objects nested around the limits (32 levels for free-form objects, 64 for any JSON).</summary>
    internal static readonly Gen<string> DeepObject = Gen.OneOf(30, 31, 32, 33, 34, 63, 64, 65, 70).Select(n =>
        string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n));

    internal static readonly Gen<string> DeepAnything = Gen.OneOf(63, 64, 65, 200, 5000).Select(Gen.Bool, (n, arrays) => arrays
        ? new string('[', n) + new string(']', n)
        : string.Concat(Enumerable.Repeat("{\"a\":", n)) + "null" + new string('}', n));

    internal static Gen<T[]> Sequence<T>(IEnumerable<Gen<T>> gens) =>
        gens.Aggregate(Gen.Const(Array.Empty<T>()), (all, next) => all.Select(next, (a, x) => a.Append(x).ToArray()));

    /// <summary>A string for a field or variable named <paramref name="name"/>: often the fixture's real id.</summary>
    internal static Gen<string> StringFor(string name, bool protoValid) => RealKey.TryGetValue(name, out var key)
        ? Gen.Frequency((5, Gen.Const($"@@{key}@@")), (1, Gen.OneOf(FixtureKeys).Select(k => $"@@{k}@@")), (4, protoValid ? AnyString.Where(s => s.Length < 1000) : AnyString))
        : AnyString;

    internal static readonly Gen<string> ValidInt = Gen.Frequency(
        (4, Gen.Int[-3, 1200].Select(i => i.ToString())), (1, Gen.OneOf("2147483647", "-2147483648", "1001", "0")));

    /// <summary>JSON for one value of <paramref name="field"/>: typed, and (unless proto-valid) sometimes of the wrong type.</summary>
    internal static Gen<string> ValueFor(FieldDescriptor field, int depth, bool protoValid)
    {
        Gen<string> single = field.FieldType switch
        {
            FieldType.String => JsonString(StringFor(field.JsonName, protoValid)),
            FieldType.Bool => Gen.OneOf("true", "false"),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64
                or FieldType.UInt32 or FieldType.UInt64 or FieldType.Fixed32 or FieldType.Fixed64 => protoValid ? ValidInt : Number,
            FieldType.Double or FieldType.Float => protoValid ? Gen.OneOf("0", "1.5", "-2e10") : Number,
            FieldType.Enum => EnumValue(field.EnumType, protoValid),
            FieldType.Bytes => JsonString(Gen.OneOf("", "AAAA", "not base64!")),
            FieldType.Message => MessageValue(field.MessageType, depth, protoValid),
            _ => Scalar,
        };
        if (field.IsMap)
        {
            single = ObjectOf(ValueFor(field.MessageType.FindFieldByNumber(2), depth + 1, protoValid), 3);
        }
        else if (field.IsRepeated)
        {
            single = protoValid
                ? ArrayOf(single, 4)
                : Gen.Frequency((20, ArrayOf(single, 4)), (1, Gen.OneOf(999, 1000, 1001).Select(single, (n, item) => "[" + string.Join(",", Enumerable.Repeat(item, n)) + "]")));
        }
        return protoValid ? single : Gen.Frequency((10, single), (1, AnyJson), (1, Gen.Const("null")));
    }

    internal static Gen<string> EnumValue(EnumDescriptor type, bool protoValid)
    {
        var names = type.Values.Select(v => v.Name).ToArray();
        var defined = names.Where(n => !n.EndsWith("_UNSPECIFIED", StringComparison.Ordinal)).DefaultIfEmpty(names[0]).ToArray();
        return protoValid
            ? Gen.Frequency((6, Gen.OneOf(defined).Select(n => Quote(n))), (1, Gen.OneOf(names).Select(n => Quote(n))), (1, Gen.Int[-2, 40].Select(i => i.ToString())))
            : Gen.Frequency((6, Gen.OneOf(defined).Select(n => Quote(n))), (1, Gen.OneOf(names).Select(n => Quote(n.ToUpperInvariant()))),
                (1, Gen.Int[-2, 40].Select(i => i.ToString())), (1, JsonString(AnyString)));
    }

    internal static Gen<string> MessageValue(MessageDescriptor type, int depth, bool protoValid) => type.FullName switch
    {
        "google.protobuf.Struct" => protoValid ? ObjectOf(AnyJsonProtoValid) : Gen.Frequency((8, ObjectOf(AnyJson)), (1, DeepObject)),
        "google.protobuf.Value" => protoValid ? AnyJsonProtoValid : AnyJson,
        "google.protobuf.ListValue" => ArrayOf(protoValid ? AnyJsonProtoValid : AnyJson),
        "google.protobuf.Timestamp" => JsonString(Gen.OneOf("2026-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "yesterday", "")),
        "google.protobuf.Empty" => Gen.Const("{}"),
        _ when depth >= 3 => Gen.Const("{}"),
        _ => ObjectFor(type, depth + 1, [], protoValid),
    };

    /// <summary>Values Google.Protobuf's JSON parser accepts in a Struct.</summary>
    internal static readonly Gen<string> AnyJsonProtoValid = Gen.Recursive<string>((depth, self) => depth > 3
        ? Gen.Frequency((1, Gen.OneOf("null", "true", "false", "0", "1.5", "-7")), (2, JsonString(AnyString.Where(s => s.Length < 1000))))
        : Gen.Frequency((5, Gen.OneOf("null", "true", "1")), (3, JsonString(Word)), (1, ArrayOf(self)), (2, ObjectOf(self))));

    /// <summary>A JSON object for <paramref name="type"/>: each field present or not, plus (unless proto-valid) unknown keys.</summary>
    internal static Gen<string> ObjectFor(MessageDescriptor type, int depth, IReadOnlyCollection<string> exclude, bool protoValid)
    {
        var fields = type.Fields.InDeclarationOrder().Where(f => !exclude.Contains(f.Name) && !exclude.Contains(f.JsonName))
            .Select(f => Gen.Frequency(
                (3, ValueFor(f, depth, protoValid).Select(v => (string?)(Quote(f.JsonName) + ":" + v))),
                (2, Gen.Const((string?)null))));
        var extra = protoValid
            ? Gen.Const(Array.Empty<string>())
            : Gen.Frequency((6, Gen.Const(Array.Empty<string>())), (1, Key.Select(AnyJson, (k, v) => Quote(k) + ":" + v).Array[1, 2]));
        return Sequence(fields).Select(extra, (present, more) => "{" + string.Join(",", present.OfType<string>().Concat(more)) + "}");
    }

    /// <summary>
    /// <paramref name="text"/> broken in one place: cut short, a character of <paramref name="characters"/> inserted, one
    /// removed, the text twice (as is, or on two lines), a byte order mark before it, a comment or a line break inserted.
    /// </summary>
    internal static Gen<string> Mutated(Gen<string> text, string characters) =>
        text.Select(Gen.Int[0, 7], Gen.Int.NonNegative, Gen.Char[characters], (value, op, at, c) =>
        {
            var i = at % (value.Length + 1);
            return op switch
            {
                0 => value[..i],
                1 => value.Insert(i, c.ToString()),
                2 => i < value.Length ? value.Remove(i, 1) : value + c,
                3 => value + value,
                4 => value + "\n" + value,
                5 => "\ufeff" + value,
                6 => value.Insert(i, "\n "),
                _ => value.Insert(i, " /* comment */ "),
            };
        });

    /// <summary>A body for the route: the typed object, mutated text, other JSON, broken JSON, nothing.</summary>
    internal static Gen<string?> BodyFor(FuzzRoute route)
    {
        var typed = route.Body switch
        {
            null => ObjectFor(route.Input, 0, route.Variables, protoValid: false), // ignored or refused: still sent sometimes
            "*" => ObjectFor(route.Input, 0, route.Variables, protoValid: false),
            var field => route.Input.FindFieldByName(field) is { } f ? ValueFor(f, 0, protoValid: false) : AnyJson,
        };
        var mutated = Mutated(typed, "{}[]\",:\\ 0an\u00e9\u0000");
        var broken = Gen.OneOf(
            "{", "}", "[", "{\"a\":}", "{\"a\":1,}", "{'a':1}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\\ud800\"}", "{\"a\":\"\\u00\"}",
            "{\"a\":1}{\"b\":2}", "{\"a\":1} trailing", "{\"name\":\"x\",\"name\":\"y\"}", "{\"\\u0000\":1}", "nul", "tru", "\"", "\"unterminated",
            "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-}", "{\"a\":1e}", "[1,2", "\u0000", " ", "\t\n");
        var nonObject = Gen.OneOf(Scalar, ArrayOf(AnyJson), Gen.Const("null"), Gen.Const("[]"), Gen.Const("{}"));
        var huge = Gen.OneOf(1_048_576 - 12, 1_048_577).Select(n => "{\"name\":\"" + new string('x', n) + "\"}");
        return Gen.Frequency(
            (route.Body is null ? 2 : 50, typed.Select(t => (string?)t)),
            (route.Body is null ? 1 : 12, mutated.Select(t => (string?)t)),
            (route.Body is null ? 1 : 8, nonObject.Select(t => (string?)t)),
            (route.Body is null ? 1 : 6, broken.Select(t => (string?)t)),
            (route.Body is null ? 1 : 3, DeepAnything.Select(t => (string?)t)),
            (route.Body is null ? 1 : 3, Gen.OneOf(Ascii, Unicode).Select(t => (string?)t)),
            (4, Gen.Const<string?>("")),
            (route.Body is null ? 30 : 6, Gen.Const((string?)null)),
            (1, huge.Select(t => (string?)t)));
    }

    internal static readonly string[] PercentOddities =
    [
        "%", "%%", "%2", "%ZZ", "%00", "%2F", "%2f", "a%2Fb", "%5C", "%2E%2E", "..", ".", "%25", "%E2%82", "%C0%AF", "%FF", "%F0%9F%98%80",
        "+", "%20", "~", "%3F", "%23", "%7B%7D", "%40%40run_id%40%40",
    ];

    /// <summary>A value for path variable <paramref name="name"/>, with the placeholder of the fixture's real id often.</summary>
    internal static Gen<string> PathValue(string name) => Gen.Frequency(
        (12, Gen.Const($"@@{(RealKey.TryGetValue(name, out var key) ? key : name)}@@")),
        (2, Gen.OneOf(FixtureKeys).Select(k => $"@@{k}@@")),
        (2, UuidValid),
        (2, UuidMalformed),
        (2, Word),
        (1, Ascii.Select(Uri.EscapeDataString)),
        (1, Ascii.Where(s => !s.Contains('#') && !s.Contains('?'))),
        (1, Unicode.Select(Uri.EscapeDataString)),
        (1, Unicode.Where(s => !s.Contains('#') && !s.Contains('?') && !s.Contains('%'))),
        (1, Gen.Int[257, 5000].Select(Gen.Char['a', 'f'], (n, c) => new string(c, n))),
        (2, Gen.OneOf(PercentOddities)),
        (1, Gen.Const("")));

    internal static Gen<string> PathFor(FuzzRoute route)
    {
        var parts = FuzzRoute.Variable().Split(route.Template); // literal, name, literal, name, ...
        var values = Sequence(route.Variables.Select(PathValue));
        return values.Select(Gen.Frequency((30, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3)), (1, Gen.Const(4))), (vals, shape) =>
        {
            var b = new StringBuilder();
            for (var i = 0; i < parts.Length; i++)
            {
                b.Append(i % 2 == 0 ? parts[i] : vals[i / 2]);
            }
            var path = b.ToString();
            return shape switch
            {
                1 => path + "/",
                2 => path.Replace("/v2/", "//v2/"),
                3 => path.Replace("/v2/ai/missions", "/V2/AI/Missions"),
                4 => path + "/extra",
                _ => path,
            };
        });
    }

    internal static Gen<(string Name, string Value)> QueryPair(FuzzRoute route)
    {
        var junkNames = Gen.OneOf(Gen.OneOf("page[", "page]", "page[number][x]", "page[]", "[]", "page.number", "page", "status[]", "mission_id",
            "run_id", "input", "__proto__", "", "=", "page%5Bsize%5D", "PAGE[SIZE]", "page[size", "page[size]]"), Word, Unicode);
        var junk = junkNames.Select(Gen.OneOf(AnyString, Number), (n, v) => (n, v));
        if (route.Query.Length == 0)
        {
            return junk;
        }
        var known = Gen.Int[0, route.Query.Length - 1].SelectMany(i =>
        {
            var (name, field) = route.Query[i];
            var value = field.FieldType switch
            {
                FieldType.Enum => Gen.Frequency((5, Gen.OneOf(field.EnumType.Values.Select(v => v.Name).ToArray())), (1, Gen.Int[-1, 9].Select(x => x.ToString())), (1, AnyString)),
                FieldType.Int32 or FieldType.Int64 or FieldType.UInt32 or FieldType.UInt64 => Gen.Frequency((4, ValidInt), (1, Number), (1, AnyString)),
                FieldType.Bool => Gen.OneOf("true", "false", "1", "yes", ""),
                _ => StringFor(field.JsonName, protoValid: false).Where(s => s.Length < 5000),
            };
            var names = Gen.Frequency((6, Gen.Const(name)), (1, Gen.Const(name.Replace('[', '.').TrimEnd(']'))), (1, Gen.Const(field.Name)));
            return names.Select(value, (n, v) => (n, v));
        });
        return Gen.Frequency((5, known), (1, junk));
    }

    internal static Gen<string> QueryFor(FuzzRoute route) =>
        QueryPair(route).Array[0, 4].Select(Gen.Int[0, 5], (pairs, mode) =>
        {
            if (pairs.Length == 0)
            {
                return mode switch { 4 => "?", 5 => "?&&=&", _ => "" };
            }
            var encoded = pairs.Select(p => mode switch
            {
                0 or 1 => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value),
                2 => p.Name + "=" + Uri.EscapeDataString(p.Value),
                3 => p.Name.Replace("#", "") + "=" + p.Value.Replace("#", "").Replace("&", ""),
                4 => Uri.EscapeDataString(p.Name),
                _ => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value) + "&" + Uri.EscapeDataString(p.Name) + "=x",
            });
            return "?" + string.Join("&", encoded);
        });

    internal static readonly Gen<string?> GenAuthorization = Gen.Frequency(
        (80, Gen.Const<string?>($"Bearer {TestKeys.KeyA}")),
        (4, Gen.Const<string?>($"Bearer {TestKeys.KeyB}")),
        (3, Gen.Const((string?)null)),
        (8, Gen.OneOf<string?>("Bearer", "Bearer ", "Basic dGVzdDp0ZXN0", $"bearer {TestKeys.KeyA}", $"BEARER   {TestKeys.KeyA}  ", $"Bearer {TestKeys.KeyA}{TestKeys.KeyA}",
            "Token x", "Bearer null", $"Bearer {TestKeys.KeyA},Bearer {TestKeys.KeyB}", "Bearer " + new string('k', 8000), $"{TestKeys.KeyA}")),
        (2, Gen.Char['!', '~'].Array[0, 40].Select(c => (string?)("Bearer " + new string(c)))));

    internal static readonly Gen<string?> GenContentType = Gen.Frequency(
        (70, Gen.Const<string?>("application/json")),
        (5, Gen.Const((string?)null)),
        (20, Gen.OneOf<string?>("text/plain", "application/json; charset=utf-8", "application/json; charset=latin1", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/grpc", "application/grpc+json", "application/*", "APPLICATION/JSON", "application/merge-patch+json",
            "application/json; charset=utf-16", "garbage", ";", "application/json; charset=\"\"", "application/xml", "*/*")));

    internal static readonly (string, string)[] OddHeaders =
    [
        ("Accept", "application/xml"), ("Accept", "*/*;q=0"), ("Accept", "text/event-stream"), ("Accept-Encoding", "gzip, br"),
        ("X-HTTP-Method-Override", "DELETE"), ("Content-Encoding", "gzip"), ("grpc-timeout", "1m"), ("TE", "trailers"),
        ("X-Forwarded-For", "::1"), ("Cookie", "a=b"), ("Origin", "http://evil.example"), ("If-None-Match", "*"), ("Range", "bytes=0-1"),
        ("Content-Language", "xx"), ("Idempotency-Key", "k1"), ("x-stainless-retry-count", "1"), ("Accept-Charset", "utf-16"),
    ];

    internal static readonly Gen<(string, string)[]> GenHeaders = Gen.Frequency(
        (5, Gen.Const(Array.Empty<(string, string)>())), (1, Gen.OneOf(OddHeaders).Array[1, 3]));
}
