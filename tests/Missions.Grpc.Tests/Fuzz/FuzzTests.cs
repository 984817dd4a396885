using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsCheck;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Hosting;
using Missions.Grpc.Protocol;
using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of every route, REST and gRPC, enumerated from the running app (transcoded
/// endpoints) and from the API's service descriptors, so a new route is fuzzed without touching this file.
/// Requests are random or mutated (path values, query strings, bodies, headers, protobuf bytes); ids of a
/// real mission, run, step, event, agent link and attachments (the fixture, recreated after a successful
/// delete) are mixed in so the deep handlers run. Properties: no 5xx and no INTERNAL/UNKNOWN, no error log,
/// every 4xx body of the documented shape, every 2xx body a JSON object with "data" (204: empty), and the
/// server still answers afterwards. A failure prints CsCheck's seed (set CsCheck_Seed to replay) and
/// every failing request with its response and the server's error log. For triage, FUZZ_COLLECT=1 records
/// every failing case without letting CsCheck shrink (so all distinct defects show up in one run), and
/// FUZZ_DUMP=path writes all of them to a file.
/// </summary>
public sealed partial class FuzzTests(ITestOutputHelper output)
{
    private const int RestIterations = 5000;
    private const int GrpcIterations = 2000;
    private const int RawGrpcIterations = 400;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    private readonly List<string> _failures = [];
    private int _restCases;
    private int _grpcCases;
    private int _skipped;
    private int _fixtures;
    private readonly Dictionary<int, int> _statuses = [];
    private readonly Dictionary<StatusCode, int> _grpcStatuses = [];

    // ------------------------------------------------------------------ the test

    [Fact]
    public async Task Every_route_answers_random_and_mutated_requests_within_the_contract()
    {
        var clock = Stopwatch.StartNew();
        await using var app = new MissionsApp();
        using var rest = app.Rest(key: null);
        using var channel = app.GrpcChannel();
        var invoker = channel.CreateCallInvoker();
        using var raw = new HttpClient(app.Server.CreateHandler()) { BaseAddress = app.Server.BaseAddress, Timeout = CallTimeout };
        var run = new Runner(this, app, rest, invoker, raw);
        run.Fixture = await run.NewFixtureAsync();

        var routes = Routes(app);
        var methods = ApiContract.Services.SelectMany(s => s.Methods).ToList();
        var declared = methods.Sum(m => m.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is { } rule ? 1 + rule.AdditionalBindings.Count : 0);
        Assert.Equal(declared, routes.Count); // every HTTP rule of the contract is served and fuzzed
        Assert.True(routes.Count >= 41, $"only {routes.Count} transcoded routes found");

        // Each phase runs even when another failed; CsCheck's message names its seed and smallest failing case.
        var failed = false;
        foreach (var phase in new Func<Task>[]
        {
            () => RestCase.Cases(routes).SampleAsync(run.RestAsync, iter: RestIterations, threads: 1, print: c => c.ToString()),
            () => GrpcCase.Cases(methods).SampleAsync(run.GrpcAsync, iter: GrpcIterations, threads: 1, print: c => c.ToString()),
            () => RawGrpcCase.Cases(methods).SampleAsync(run.RawGrpcAsync, iter: RawGrpcIterations, threads: 1, print: c => c.ToString()),
        })
        {
            try
            {
                await phase();
            }
            catch (Exception error)
            {
                failed = true;
                output.WriteLine(error.Message);
            }
        }

        // Still alive: a valid create answers 201 on REST and OK on gRPC.
        rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA);
        var (status, json, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"after the fuzz"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("after the fuzz", (string?)json!["data"]!["name"]);
        var created = await app.Grpc().CreateMissionAsync(new V1.CreateMissionRequest { Name = "after the fuzz" }, GrpcCalls.Key(), GrpcCalls.Deadline);
        Assert.Equal("after the fuzz", created.Data.Name);

        output.WriteLine($"Fuzz: {_restCases} REST cases, {_grpcCases} gRPC cases, {_failures.Count} failures " +
            $"({routes.Count} REST routes, {methods.Count} gRPC methods, {_fixtures} fixtures, {_skipped} skipped, {clock.Elapsed.TotalSeconds:F1}s)");
        output.WriteLine("REST statuses: " + string.Join(", ", _statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        output.WriteLine("gRPC statuses: " + string.Join(", ", _grpcStatuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        if (Environment.GetEnvironmentVariable("FUZZ_DUMP") is { } dump)
        {
            File.WriteAllLines(dump, _failures);
        }
        foreach (var failure in _failures.Take(30))
        {
            output.WriteLine(failure);
        }
        if (failed || _failures.Count > 0)
        {
            app.ErrorLogsExpected = true; // already reported above, request by request
            Assert.Fail($"{_failures.Count} failing fuzz cases; first:\n{_failures.FirstOrDefault()}");
        }
    }

    // ------------------------------------------------------------------ routes from the app

    private sealed record Route(string Verb, string Template, string[] Variables, string? Body, MessageDescriptor Input, (string Name, FieldDescriptor Field)[] Query)
    {
        public bool IsWatch => Template.EndsWith("/watch", StringComparison.Ordinal);

        public override string ToString() => $"{Verb} {Template}";
    }

    private static List<Route> Routes(MissionsApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>())
            .OfType<GrpcJsonTranscodingMetadata>()
            .Select(m => ToRoute(m.HttpRule, m.MethodDescriptor))
            .DistinctBy(r => r.ToString())
            .OrderBy(r => r.ToString(), StringComparer.Ordinal)
            .ToList();

    private static Route ToRoute(HttpRule rule, MethodDescriptor method)
    {
        var (verb, template) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Custom => (rule.Custom.Kind, rule.Custom.Path),
            _ => throw new InvalidOperationException($"no pattern in {method.FullName}"),
        };
        var variables = Variable().Matches(template).Select(m => m.Groups[1].Value).ToArray();
        var body = string.IsNullOrEmpty(rule.Body) ? null : rule.Body;
        var query = new List<(string, FieldDescriptor)>();
        if (body is null)
        {
            foreach (var field in method.InputType.Fields.InDeclarationOrder().Where(f => !variables.Contains(f.Name)))
            {
                if (field.FieldType == FieldType.Message && !field.IsRepeated && field.MessageType.File.Package != "google.protobuf")
                {
                    query.AddRange(field.MessageType.Fields.InDeclarationOrder().Select(inner => ($"{field.JsonName}[{inner.JsonName}]", inner)));
                }
                else
                {
                    query.Add((field.JsonName, field));
                }
            }
        }
        return new Route(verb, Variable().Replace(template, "{$1}"), variables, body, method.InputType, [.. query]);
    }

    [GeneratedRegex(@"\{([^}=]+)(?:=[^}]*)?\}")]
    private static partial Regex Variable();

    [GeneratedRegex("@@([a-z_]+)@@")]
    private static partial Regex Placeholder();

    // ------------------------------------------------------------------ the fixture: real ids for the deep handlers

    private sealed class Fixture(Dictionary<string, string> ids)
    {
        /// <summary>Placeholders <c>@@name@@</c> → the fixture's ids; in a watch, the run is the terminal one (a live run's stream never ends).</summary>
        public string Resolve(string text, bool watch) => Placeholder().Replace(text, m =>
        {
            var key = watch && m.Groups[1].Value == "run_id" ? "terminal_run_id" : m.Groups[1].Value;
            return ids.TryGetValue(key, out var id) ? id : m.Value;
        });
    }

    /// <summary>The fixture keys a path variable or body field may take the real value of.</summary>
    private static readonly Dictionary<string, string> RealKey = new(StringComparer.Ordinal)
    {
        ["mission_id"] = "mission_id",
        ["run_id"] = "run_id",
        ["step_id"] = "step_id",
        ["parent_step_id"] = "step_id",
        ["event_id"] = "event_id",
        ["after_event_id"] = "event_id",
        ["telnyx_agent_id"] = "telnyx_agent_id",
        ["agent_id"] = "telnyx_agent_id",
        ["tool_id"] = "tool_id",
        ["knowledge_base_id"] = "knowledge_base_id",
        ["mcp_server_id"] = "mcp_server_id",
        ["idempotency_key"] = "idempotency_key",
    };

    private static readonly string[] FixtureKeys =
        ["mission_id", "run_id", "terminal_run_id", "step_id", "second_step_id", "event_id", "telnyx_agent_id", "tool_id", "knowledge_base_id", "mcp_server_id"];

    // ------------------------------------------------------------------ generators

    private const string WordChars = "abcdefghijklmnopqrstuvwxyz0123456789-_.";

    private static readonly Gen<string> Word = Gen.Char[WordChars].Array[1, 12].Select(c => new string(c));

    private static readonly Gen<string> Ascii = Gen.Char[' ', '~'].Array[0, 24].Select(c => new string(c));

    private static readonly string[] Specials =
    [
        "\0", "\u0001", "\n", "\r\n", "\t", "\u007f", "\u00e9", "\u00df", "\u0130", "e\u0301", "\u200b", "\u202e", "\ufeff", "\uffff",
        "\ufffd", "\u65e5\u672c\u8a9e", "\U0001F600", "\U0010FFFF", "'", "\"", "\\", "/", "%", "%00", "%2F", "../", "{", "}", "[", "]",
        "&", "=", "?", "#", "+", " ", "@@run_id@@",
    ];

    private static readonly Gen<string> Unicode = Gen.Frequency(
            (3, Gen.OneOf(Specials)),
            (2, Gen.Char['\u00a0', '\ud7ff'].Select(c => c.ToString())),
            (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)))
        .Array[1, 10].Select(string.Concat);

    private static readonly Gen<string> Long =
        Gen.OneOf(255, 256, 257, 1000, 8192, 8193, 65536, 65537).Select(Gen.Char['a', 'z'], (n, c) => new string(c, n));

    private static readonly Gen<string> UuidValid = Gen.Guid.Select(Gen.OneOf("D", "N", "B", "P", "U"), (g, f) =>
        f == "U" ? g.ToString("D").ToUpperInvariant() : g.ToString(f));

    private static readonly Gen<string> UuidMalformed = Gen.Guid.Select(Gen.Int[0, 6], Gen.Int[0, 35], (g, kind, at) =>
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

    private static readonly Gen<string> AnyString = Gen.Frequency(
        (4, Word), (3, Ascii), (3, Unicode), (1, UuidValid), (1, UuidMalformed), (1, Gen.Const("")), (1, Long));

    private static readonly Gen<string> Number = Gen.Frequency(
        (3, Gen.Int[-5, 1500].Select(i => i.ToString())),
        (1, Gen.Int.Select(i => i.ToString())),
        (2, Gen.OneOf("0", "-1", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "1.5", "1e2", "1E400", "-0",
            "0.0", "1e-400", "1.0", "00", "+1", ".5", "NaN", "Infinity", "0x10", "1_000")));

    /// <summary>A JSON string literal: raw UTF-8, or with everything outside ASCII \u-escaped.</summary>
    private static string Quote(string s, bool escapeAll = false)
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

    private static Gen<string> JsonString(Gen<string> content) => content.Select(Gen.Int[0, 4], (s, k) => Quote(s, k == 0));

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (1, Gen.OneOf("null", "true", "false")), (2, Number), (3, JsonString(AnyString)));

    private static readonly Gen<string> Key = Gen.Frequency((6, Word), (1, Unicode), (1, Gen.OneOf("", "__proto__", "$ref", "data", "detail", "a.b", "page[size]")));

    private static Gen<string> ArrayOf(Gen<string> item, int max = 4) => item.Array[0, max].Select(a => "[" + string.Join(",", a) + "]");

    private static Gen<string> ObjectOf(Gen<string> value, int max = 4) =>
        Key.Select(value, (k, v) => Quote(k) + ":" + v).Array[0, max].Select(a => "{" + string.Join(",", a) + "}");

    private static readonly Gen<string> AnyJson = Gen.Recursive<string>((depth, self) => depth > 3
        ? Scalar
        : Gen.Frequency((5, Scalar), (1, ArrayOf(self)), (2, ObjectOf(self))));

    /// <summary>Objects nested around the limits (32 levels for free-form objects, 64 for any JSON).</summary>
    private static readonly Gen<string> DeepObject = Gen.OneOf(30, 31, 32, 33, 34, 63, 64, 65, 70).Select(n =>
        string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n));

    private static readonly Gen<string> DeepAnything = Gen.OneOf(63, 64, 65, 200, 5000).Select(Gen.Bool, (n, arrays) => arrays
        ? new string('[', n) + new string(']', n)
        : string.Concat(Enumerable.Repeat("{\"a\":", n)) + "null" + new string('}', n));

    private static Gen<T[]> Sequence<T>(IEnumerable<Gen<T>> gens) =>
        gens.Aggregate(Gen.Const(Array.Empty<T>()), (all, next) => all.Select(next, (a, x) => a.Append(x).ToArray()));

    /// <summary>A string for a field or variable named <paramref name="name"/>: often the fixture's real id.</summary>
    private static Gen<string> StringFor(string name, bool protoValid) => RealKey.TryGetValue(name, out var key)
        ? Gen.Frequency((5, Gen.Const($"@@{key}@@")), (1, Gen.OneOf(FixtureKeys).Select(k => $"@@{k}@@")), (4, protoValid ? AnyString.Where(s => s.Length < 1000) : AnyString))
        : AnyString;

    private static readonly Gen<string> ValidInt = Gen.Frequency(
        (4, Gen.Int[-3, 1200].Select(i => i.ToString())), (1, Gen.OneOf("2147483647", "-2147483648", "1001", "0")));

    /// <summary>JSON for one value of <paramref name="field"/>: typed, and (unless proto-valid) sometimes of the wrong type.</summary>
    private static Gen<string> ValueFor(FieldDescriptor field, int depth, bool protoValid)
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

    private static Gen<string> EnumValue(EnumDescriptor type, bool protoValid)
    {
        var names = type.Values.Select(v => v.Name).ToArray();
        var defined = names.Where(n => !n.EndsWith("_UNSPECIFIED", StringComparison.Ordinal)).DefaultIfEmpty(names[0]).ToArray();
        return protoValid
            ? Gen.Frequency((6, Gen.OneOf(defined).Select(n => Quote(n))), (1, Gen.OneOf(names).Select(n => Quote(n))), (1, Gen.Int[-2, 40].Select(i => i.ToString())))
            : Gen.Frequency((6, Gen.OneOf(defined).Select(n => Quote(n))), (1, Gen.OneOf(names).Select(n => Quote(n.ToUpperInvariant()))),
                (1, Gen.Int[-2, 40].Select(i => i.ToString())), (1, JsonString(AnyString)));
    }

    private static Gen<string> MessageValue(MessageDescriptor type, int depth, bool protoValid) => type.FullName switch
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
    private static readonly Gen<string> AnyJsonProtoValid = Gen.Recursive<string>((depth, self) => depth > 3
        ? Gen.Frequency((1, Gen.OneOf("null", "true", "false", "0", "1.5", "-7")), (2, JsonString(AnyString.Where(s => s.Length < 1000))))
        : Gen.Frequency((5, Gen.OneOf("null", "true", "1")), (3, JsonString(Word)), (1, ArrayOf(self)), (2, ObjectOf(self))));

    /// <summary>A JSON object for <paramref name="type"/>: each field present or not, plus (unless proto-valid) unknown keys.</summary>
    private static Gen<string> ObjectFor(MessageDescriptor type, int depth, IReadOnlyCollection<string> exclude, bool protoValid)
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

    /// <summary>A body for the route: the typed object, mutated text, other JSON, broken JSON, nothing.</summary>
    private static Gen<string?> BodyFor(Route route)
    {
        var typed = route.Body switch
        {
            null => ObjectFor(route.Input, 0, route.Variables, protoValid: false), // ignored or refused: still sent sometimes
            "*" => ObjectFor(route.Input, 0, route.Variables, protoValid: false),
            var field => route.Input.FindFieldByName(field) is { } f ? ValueFor(f, 0, protoValid: false) : AnyJson,
        };
        var mutated = typed.Select(Gen.Int[0, 5], Gen.Int.NonNegative, Gen.Char["{}[]\",:\\ 0an\u00e9\u0000"], (text, op, at, c) =>
        {
            var i = at % (text.Length + 1);
            return op switch
            {
                0 => text[..i],
                1 => text.Insert(i, c.ToString()),
                2 => i < text.Length ? text.Remove(i, 1) : text + c,
                3 => text + text,
                4 => "\ufeff" + text,
                _ => text.Insert(i, " /* comment */ "),
            };
        });
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

    private static readonly string[] PercentOddities =
    [
        "%", "%%", "%2", "%ZZ", "%00", "%2F", "%2f", "a%2Fb", "%5C", "%2E%2E", "..", ".", "%25", "%E2%82", "%C0%AF", "%FF", "%F0%9F%98%80",
        "+", "%20", "~", "%3F", "%23", "%7B%7D", "%40%40run_id%40%40",
    ];

    /// <summary>A value for path variable <paramref name="name"/>, with the placeholder of the fixture's real id often.</summary>
    private static Gen<string> PathValue(string name) => Gen.Frequency(
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

    private static Gen<string> PathFor(Route route)
    {
        var parts = Variable().Split(route.Template); // literal, name, literal, name, ...
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

    private static Gen<(string Name, string Value)> QueryPair(Route route)
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

    private static Gen<string> QueryFor(Route route) =>
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

    private static readonly Gen<string?> GenAuthorization = Gen.Frequency(
        (80, Gen.Const<string?>($"Bearer {TestKeys.KeyA}")),
        (4, Gen.Const<string?>($"Bearer {TestKeys.KeyB}")),
        (3, Gen.Const((string?)null)),
        (8, Gen.OneOf<string?>("Bearer", "Bearer ", "Basic dGVzdDp0ZXN0", $"bearer {TestKeys.KeyA}", $"BEARER   {TestKeys.KeyA}  ", $"Bearer {TestKeys.KeyA}{TestKeys.KeyA}",
            "Token x", "Bearer null", $"Bearer {TestKeys.KeyA},Bearer {TestKeys.KeyB}", "Bearer " + new string('k', 8000), $"{TestKeys.KeyA}")),
        (2, Gen.Char['!', '~'].Array[0, 40].Select(c => (string?)("Bearer " + new string(c)))));

    private static readonly Gen<string?> GenContentType = Gen.Frequency(
        (70, Gen.Const<string?>("application/json")),
        (5, Gen.Const((string?)null)),
        (20, Gen.OneOf<string?>("text/plain", "application/json; charset=utf-8", "application/json; charset=latin1", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/grpc", "application/grpc+json", "application/*", "APPLICATION/JSON", "application/merge-patch+json",
            "application/json; charset=utf-16", "garbage", ";", "application/json; charset=\"\"", "application/xml", "*/*")));

    private static readonly (string, string)[] OddHeaders =
    [
        ("Accept", "application/xml"), ("Accept", "*/*;q=0"), ("Accept", "text/event-stream"), ("Accept-Encoding", "gzip, br"),
        ("X-HTTP-Method-Override", "DELETE"), ("Content-Encoding", "gzip"), ("grpc-timeout", "1m"), ("TE", "trailers"),
        ("X-Forwarded-For", "::1"), ("Cookie", "a=b"), ("Origin", "http://evil.example"), ("If-None-Match", "*"), ("Range", "bytes=0-1"),
        ("Content-Language", "xx"), ("Idempotency-Key", "k1"), ("x-stainless-retry-count", "1"), ("Accept-Charset", "utf-16"),
    ];

    private static readonly Gen<(string, string)[]> GenHeaders = Gen.Frequency(
        (5, Gen.Const(Array.Empty<(string, string)>())), (1, Gen.OneOf(OddHeaders).Array[1, 3]));

    // ------------------------------------------------------------------ cases

    private sealed record RestCase(string Route, bool Watch, string Verb, string Path, string Query, string? Body, int BadByteAt,
        string? ContentType, string? Authorization, (string Name, string Value)[] Headers)
    {
        private static readonly Gen<string> Verbs = Gen.OneOf("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE");

        public static Gen<RestCase> Cases(IReadOnlyList<Route> routes)
        {
            var perRoute = routes.Select(r => PathFor(r).Select(QueryFor(r), BodyFor(r),
                CsCheck.Gen.Frequency((19, CsCheck.Gen.Const(r.Verb)), (1, Verbs)),
                CsCheck.Gen.Frequency((40, CsCheck.Gen.Const(-1)), (1, CsCheck.Gen.Int[0, 100_000])),
                GenContentType, GenAuthorization, GenHeaders,
                (path, query, body, verb, bad, type, auth, headers) => new RestCase(r.ToString(), r.IsWatch, verb, path, query, body, bad, type, auth, headers))).ToArray();
            var randomSegment = CsCheck.Gen.OneOf(Word, UuidValid, CsCheck.Gen.OneOf(PercentOddities), CsCheck.Gen.OneOf("runs", "events", "plan", "steps", "tools", "clone"));
            var randomPath = randomSegment.Array[0, 6].Select(Verbs, BodyFor(routes[0]), GenAuthorization, (segments, verb, body, auth) =>
                new RestCase("(random path)", false, verb, "/v2/ai/missions/" + string.Join("/", segments), "", body, -1, "application/json", auth, []));
            return CsCheck.Gen.Frequency(
                (24, CsCheck.Gen.Int[0, perRoute.Length - 1].SelectMany(i => perRoute[i])),
                (1, randomPath));
        }

        public override string ToString() =>
            $"{Verb} {Clip(Path + Query, 400)} [route {Route}] auth={Clip(Authorization ?? "(none)", 60)} content-type={ContentType ?? "(none)"}" +
            (Headers.Length > 0 ? " headers=" + string.Join("; ", Headers.Select(h => $"{h.Name}: {h.Value}")) : "") +
            (BadByteAt >= 0 ? $" (0xFF inserted at byte {BadByteAt} mod length)" : "") +
            $" body={(Body is null ? "(none)" : Clip(Body, 600))}";
    }

    private sealed record GrpcCase(MethodDescriptor Method, int Kind, string Json, byte[] Random, (int Op, int At, byte Value)[] Mutations, string? Authorization)
    {
        public static Gen<GrpcCase> Cases(IReadOnlyList<MethodDescriptor> methods)
        {
            var auth = CsCheck.Gen.Frequency(
                (14, CsCheck.Gen.Const<string?>($"Bearer {TestKeys.KeyA}")), (1, CsCheck.Gen.Const((string?)null)),
                (1, CsCheck.Gen.OneOf<string?>("Bearer wrong", "Basic x", $"Bearer {TestKeys.KeyB}", "Bearer ", $"bearer {TestKeys.KeyA}")));
            var mutation = CsCheck.Gen.Int[0, 5].Select(CsCheck.Gen.Int.NonNegative, CsCheck.Gen.Byte, (op, at, b) => (op, at, b));
            var perMethod = methods.Select(m => CsCheck.Gen.Frequency((2, CsCheck.Gen.Const(0)), (4, CsCheck.Gen.Const(1)), (3, CsCheck.Gen.Const(2)), (1, CsCheck.Gen.Const(3)))
                .Select(ObjectFor(m.InputType, 0, [], protoValid: true), CsCheck.Gen.Byte.Array[0, 64], mutation.Array[1, 4], auth,
                    (kind, json, random, mutations, a) => new GrpcCase(m, kind, json, random, mutations, a))).ToArray();
            return CsCheck.Gen.Int[0, perMethod.Length - 1].SelectMany(i => perMethod[i]);
        }

        public override string ToString() =>
            $"/{Method.Service.FullName}/{Method.Name} kind={(Kind switch { 0 => "random bytes", 1 => "valid message", 2 => "mutated message", _ => "deeply nested Struct" })} " +
            $"auth={Authorization ?? "(none)"} json={Clip(Json, 600)} random={Convert.ToHexString(Random)} mutations={string.Join(",", Mutations.Select(m => $"{m.Op}@{m.At}:{m.Value:x2}"))}";
    }

    private sealed record RawGrpcCase(string Path, string? ContentType, string? Encoding, byte[] Payload, int Framing, bool WithAuth)
    {
        public static Gen<RawGrpcCase> Cases(IReadOnlyList<MethodDescriptor> methods)
        {
            var path = CsCheck.Gen.Frequency(
                (8, CsCheck.Gen.OneOf(methods.ToArray()).Select(m => $"/{m.Service.FullName}/{m.Name}")),
                (1, CsCheck.Gen.OneOf(methods.ToArray()).Select(Word, (m, w) => $"/{m.Service.FullName}/{w}")),
                (1, Word.Select(w => $"/missions.v1.{w}/Get")));
            var type = CsCheck.Gen.Frequency((8, CsCheck.Gen.Const<string?>("application/grpc")),
                (3, CsCheck.Gen.OneOf<string?>("application/grpc+proto", "application/grpc+json", "application/grpc-web", "application/json", "text/plain", null, "application/grpc; charset=x")));
            var encoding = CsCheck.Gen.Frequency((6, CsCheck.Gen.Const((string?)null)), (1, CsCheck.Gen.OneOf<string?>("identity", "gzip", "deflate", "br", "x-junk")));
            return path.Select(type, encoding, CsCheck.Gen.Byte.Array[0, 40], CsCheck.Gen.Int[0, 6], CsCheck.Gen.Frequency((9, CsCheck.Gen.Const(true)), (1, CsCheck.Gen.Const(false))),
                (p, t, e, payload, framing, auth) => new RawGrpcCase(p, t, e, payload, framing, auth));
        }

        /// <summary>Well-formed framing (0) or one of the protocol violations grpc-dotnet answers itself (1..6).</summary>
        public bool WellFormed => Framing == 0 && (Encoding is null or "identity");

        public byte[] Body()
        {
            byte[] Frame(byte flag, int length, byte[] data) =>
                [flag, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, .. data];
            return Framing switch
            {
                0 => Frame(0, Payload.Length, Payload),
                1 => [.. Frame(0, 0, []), .. Frame(0, Payload.Length, Payload)], // two messages for a unary method
                2 => Frame(1, Payload.Length, Payload), // compressed flag
                3 => Frame(0, Payload.Length + 10, Payload), // length beyond the data
                4 => Payload.Take(3).ToArray(), // a broken header
                5 => Frame(0, 64 * 1024 * 1024, Payload), // larger than the limit
                _ => [],
            };
        }

        public override string ToString() =>
            $"POST {Path} content-type={ContentType ?? "(none)"} grpc-encoding={Encoding ?? "(none)"} framing={Framing} auth={WithAuth} payload={Convert.ToHexString(Payload)}";
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max] + $"…({s.Length} chars)";

    // ------------------------------------------------------------------ running the cases

    private sealed class Runner(FuzzTests test, MissionsApp app, HttpClient rest, CallInvoker invoker, HttpClient raw)
    {
        public Fixture Fixture { get; set; } = new([]);

        private int _logged;

        public async Task<Fixture> NewFixtureAsync()
        {
            test._fixtures++;
            using var client = app.Rest();
            var mission = await client.NewMissionAsync("fuzz fixture");
            var m = $"{RestCalls.Missions}/{mission}";
            var run = (string)(await client.StartRunAsync(mission, """{"input":{"objective":"fuzz"}}"""))["run_id"]!;
            var r = $"{m}/runs/{run}";
            await Expect(client, HttpMethod.Post, $"{r}/plan",
                """{"steps":[{"step_id":"collect","description":"Collect","sequence":0},{"step_id":"classify","description":"Classify","sequence":1,"parent_step_id":"collect"}]}""");
            var eventId = (string)(await Expect(client, HttpMethod.Post, $"{r}/events", """{"type":"tool_call","summary":"fuzz","step_id":"collect","idempotency_key":"k1"}"""))["data"]!["event_id"]!;
            await Expect(client, HttpMethod.Post, $"{r}/telnyx-agents", """{"telnyx_agent_id":"agent-1"}""");
            await Expect(client, HttpMethod.Post, $"{m}/tools", """{"tool_id":"crm","name":"CRM lookup"}""");
            await Expect(client, HttpMethod.Post, $"{m}/knowledge-bases", """{"knowledge_base_id":"kb","name":"KB"}""");
            await Expect(client, HttpMethod.Post, $"{m}/mcp-servers", """{"mcp_server_id":"mcp","url":"http://mcp.example"}""");
            var terminal = (string)(await client.StartRunAsync(mission))["run_id"]!;
            await Expect(client, HttpMethod.Post, $"{m}/runs/{terminal}/events", """{"type":"tool_call","summary":"before the end"}""");
            await Expect(client, HttpMethod.Post, $"{m}/runs/{terminal}/cancel", null);
            return new Fixture(new Dictionary<string, string>
            {
                ["mission_id"] = mission,
                ["run_id"] = run,
                ["terminal_run_id"] = terminal,
                ["step_id"] = "collect",
                ["second_step_id"] = "classify",
                ["event_id"] = eventId,
                ["telnyx_agent_id"] = "agent-1",
                ["tool_id"] = "crm",
                ["knowledge_base_id"] = "kb",
                ["mcp_server_id"] = "mcp",
                ["idempotency_key"] = "k1",
            });
        }

        private static async Task<System.Text.Json.Nodes.JsonNode> Expect(HttpClient client, HttpMethod method, string path, string? body)
        {
            var (status, json, _) = await client.SendAsync(method, path, body);
            Assert.True((int)status is >= 200 and < 300, $"fixture: {method} {path} answered {(int)status} {json?.ToJsonString()}");
            return json!;
        }

        /// <summary>Error logs written since the last call.</summary>
        private string[] NewErrorLogs()
        {
            var all = app.Logs.Errors.ToArray();
            var fresh = all.Skip(_logged).ToArray();
            _logged = all.Length;
            return fresh;
        }

        private void Fail(string request, string problem, string response, string[] logs)
        {
            var text = $"FAILURE: {problem}\n  request:  {request}\n  response: {Clip(response, 1500)}" +
                (logs.Length > 0 ? "\n  server error log:\n    " + Clip(string.Join("\n    ", logs), 6000) : "");
            test._failures.Add(text);
            if (Environment.GetEnvironmentVariable("FUZZ_COLLECT") is null)
            {
                throw new InvalidOperationException(text);
            }
        }

        public async Task RestAsync(RestCase c)
        {
            test._restCases++;
            var fixture = Fixture;
            var watch = c.Watch || (c.Path + c.Query).Contains("watch", StringComparison.OrdinalIgnoreCase);
            Uri uri;
            try
            {
                uri = new Uri(app.Server.BaseAddress, fixture.Resolve(c.Path + c.Query, watch));
            }
            catch (UriFormatException)
            {
                test._skipped++;
                return;
            }
            if (uri.AbsolutePath.Contains("%00", StringComparison.Ordinal))
            {
                // TestServer's client handler refuses a NUL in the path before the app sees it (Kestrel answers 400 itself).
                test._skipped++;
                return;
            }
            using var request = new HttpRequestMessage(new HttpMethod(c.Verb), uri);
            if (c.Body is not null || c.ContentType is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(fixture.Resolve(c.Body ?? "", watch));
                if (c.BadByteAt >= 0)
                {
                    bytes = [.. bytes.Take(c.BadByteAt % (bytes.Length + 1)), 0xFF, .. bytes.Skip(c.BadByteAt % (bytes.Length + 1))];
                }
                request.Content = new ByteArrayContent(bytes);
                if (c.ContentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
                }
            }
            if (c.Authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", c.Authorization);
            }
            foreach (var (name, value) in c.Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, value);
                }
            }

            int status;
            string text;
            bool grpcAnswer;
            try
            {
                using var timeout = new CancellationTokenSource(CallTimeout);
                using var response = await rest.SendAsync(request, timeout.Token);
                status = (int)response.StatusCode;
                text = await response.Content.ReadAsStringAsync(timeout.Token);
                // A request that declares itself gRPC (content-type application/grpc) may get gRPC's own answer
                // (200, trailers-only grpc-status), e.g. UNIMPLEMENTED from the in-memory host for an odd path.
                grpcAnswer = c.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
                    && (response.Headers.Contains("grpc-status") || response.TrailingHeaders.Contains("grpc-status"));
            }
            catch (Exception error)
            {
                Fail(c.ToString(), "the request failed (no answer, or an exception out of the server)", error.ToString(), NewErrorLogs());
                return;
            }
            lock (test._statuses)
            {
                test._statuses[status] = test._statuses.GetValueOrDefault(status) + 1;
            }
            var logs = NewErrorLogs();
            var keyed = c.Headers.Any(h => h.Item1.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase));
            var problem = grpcAnswer && status < 500 ? null : CheckRest(status, text, c.Verb, watch && status == 200, keyed);
            if (problem is not null || logs.Length > 0)
            {
                Fail(c.ToString(), problem ?? "error logged", $"{status} {text}", logs);
            }
            if (status is >= 200 and < 300 && c.Verb is "DELETE")
            {
                Fixture = await NewFixtureAsync(); // something of the fixture is gone: the deep handlers need it back
            }
        }

        public async Task GrpcAsync(GrpcCase c)
        {
            test._grpcCases++;
            var fixture = Fixture;
            var streaming = c.Method.IsServerStreaming;
            byte[] payload;
            try
            {
                payload = c.Kind switch
                {
                    0 => c.Random,
                    1 => Build(c.Method.InputType, fixture.Resolve(c.Json, streaming)),
                    2 => Mutate(Build(c.Method.InputType, fixture.Resolve(c.Json, streaming)), c.Mutations),
                    _ => Deep(c.Method.InputType, fixture.Resolve(c.Json, streaming)),
                };
            }
            catch (InvalidJsonException)
            {
                test._skipped++; // a generated value the JSON parser refuses (e.g. out of range): not a request
                return;
            }
            catch (InvalidProtocolBufferException)
            {
                test._skipped++;
                return;
            }
            var method = new Method<byte[], byte[]>(streaming ? MethodType.ServerStreaming : MethodType.Unary,
                c.Method.Service.FullName, c.Method.Name, Identity, Identity);
            var headers = new Metadata();
            if (c.Authorization is not null)
            {
                headers.Add("authorization", c.Authorization);
            }
            var options = new CallOptions(headers, DateTime.UtcNow.Add(CallTimeout));
            StatusCode code;
            string detail;
            try
            {
                if (streaming)
                {
                    using var call = invoker.AsyncServerStreamingCall(method, null, options, payload);
                    while (await call.ResponseStream.MoveNext(CancellationToken.None))
                    {
                    }
                }
                else
                {
                    await invoker.AsyncUnaryCall(method, null, options, payload);
                }
                code = StatusCode.OK;
                detail = "";
            }
            catch (RpcException error)
            {
                code = error.StatusCode;
                detail = error.Status.Detail;
            }
            lock (test._grpcStatuses)
            {
                test._grpcStatuses[code] = test._grpcStatuses.GetValueOrDefault(code) + 1;
            }
            var logs = NewErrorLogs();
            if (code is StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded || logs.Length > 0)
            {
                Fail(c + $" payload={Convert.ToHexString(payload)}", $"gRPC status {code}", detail, logs);
            }
            if (code == StatusCode.OK && (c.Method.Name.StartsWith("Delete", StringComparison.Ordinal) || c.Method.Name.StartsWith("Unlink", StringComparison.Ordinal)))
            {
                Fixture = await NewFixtureAsync();
            }
        }

        public async Task RawGrpcAsync(RawGrpcCase c)
        {
            test._grpcCases++;
            using var request = new HttpRequestMessage(HttpMethod.Post, c.Path)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(c.Body()),
            };
            if (c.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }
            if (c.Encoding is not null)
            {
                request.Headers.TryAddWithoutValidation("grpc-encoding", c.Encoding);
            }
            request.Headers.TryAddWithoutValidation("TE", "trailers");
            if (c.WithAuth)
            {
                request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {TestKeys.KeyA}");
            }
            int status;
            string? grpcStatus;
            string body;
            try
            {
                using var timeout = new CancellationTokenSource(CallTimeout);
                using var response = await raw.SendAsync(request, timeout.Token);
                status = (int)response.StatusCode;
                body = Convert.ToHexString(await response.Content.ReadAsByteArrayAsync(timeout.Token));
                grpcStatus = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
                var message = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message");
                body = $"grpc-status={grpcStatus} grpc-message={message} body={Clip(body, 200)}";
            }
            catch (Exception error)
            {
                Fail(c.ToString(), "the raw gRPC request failed", error.ToString(), NewErrorLogs());
                return;
            }
            var logs = NewErrorLogs();
            var isGrpc = c.ContentType is not null && c.ContentType.StartsWith("application/grpc", StringComparison.Ordinal)
                && !c.ContentType.StartsWith("application/grpc-web", StringComparison.Ordinal);
            // Framing and encoding violations are answered by grpc-dotnet itself, INTERNAL by the gRPC protocol spec;
            // a well-formed frame is the service's business: never INTERNAL or UNKNOWN.
            var badStatus = isGrpc && c.WellFormed && grpcStatus is "2" or "13";
            if (status >= 500 || badStatus || logs.Length > 0)
            {
                Fail(c.ToString(), $"HTTP {status}, grpc-status {grpcStatus}", body, logs);
            }
        }

        private static string? Header(HttpHeaders headers, string name) =>
            headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

        private static readonly Marshaller<byte[]> Identity = Marshallers.Create(b => b, b => b);

        private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

        private static byte[] Build(MessageDescriptor type, string json) => Parser.Parse(json, type).ToByteArray();

        /// <summary>The message with its first Struct field nested past protobuf's recursion limit (100).</summary>
        private static byte[] Deep(MessageDescriptor type, string json)
        {
            var message = Parser.Parse(json, type);
            var field = type.Fields.InDeclarationOrder().FirstOrDefault(f => f.FieldType == FieldType.Message && f.MessageType.FullName == "google.protobuf.Struct");
            if (field is null)
            {
                return message.ToByteArray();
            }
            var nested = new Struct();
            for (var i = 0; i < 120; i++)
            {
                nested = new Struct { Fields = { ["a"] = Value.ForStruct(nested) } };
            }
            field.Accessor.SetValue(message, nested);
            return message.ToByteArray();
        }

        private static byte[] Mutate(byte[] bytes, (int Op, int At, byte Value)[] mutations)
        {
            var b = bytes.ToList();
            foreach (var (op, at, value) in mutations)
            {
                var i = at % (b.Count + 1);
                switch (op)
                {
                    case 0 when i < b.Count: b[i] ^= (byte)(1 << (value % 8)); break;
                    case 1: b.Insert(i, value); break;
                    case 2 when i < b.Count: b.RemoveAt(i); break;
                    case 3: b.RemoveRange(i, b.Count - i); break;
                    case 4: b.AddRange([(byte)((value % 30 + 20) << 3 | value % 8), value, 0x01, 0x02]); break; // an unknown field, any wire type
                    default: b.AddRange(b.Take(i).ToArray()); break; // fields repeated (last one wins, or merged)
                }
            }
            return [.. b];
        }
    }

    /// <summary>A 422 echoes the input (up to Rest:MaxJsonDepth = 64 deep) three levels down.</summary>
    private static readonly JsonDocumentOptions DeepJson = new() { MaxDepth = 256 };

    /// <summary>The documented REST shapes; null when the answer conforms.</summary>
    private static string? CheckRest(int status, string text, string verb, bool watchStream, bool keyed = false)
    {
        if (status >= 500)
        {
            return $"server error {status}";
        }
        if (status == 204)
        {
            return text.Length == 0 ? null : "204 with a body";
        }
        if (status is < 200 or (>= 300 and < 400))
        {
            return $"unexpected status {status}";
        }
        try
        {
            if (watchStream)
            {
                foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var item = JsonDocument.Parse(line, DeepJson);
                    if (item.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        return "watch line is not a JSON object";
                    }
                }
                return null;
            }
            using var doc = JsonDocument.Parse(text, DeepJson);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "body is not a JSON object";
            }
            var keys = root.EnumerateObject().Select(p => p.Name).ToArray();
            if (keys.Length != keys.Distinct(StringComparer.Ordinal).Count())
            {
                return "duplicate keys";
            }
            if (status < 300)
            {
                return keys.Contains("data") ? null : "2xx body without \"data\"";
            }
            if (keys is not ["detail"])
            {
                return $"{status} body keys are [{string.Join(",", keys)}], not [detail]";
            }
            var detail = root.GetProperty("detail");
            if (status != 422)
            {
                return detail.ValueKind == JsonValueKind.String ? null : $"{status} detail is {detail.ValueKind}, not a string";
            }
            if (keyed && detail.ValueKind == JsonValueKind.String && detail.GetString()!.Contains("was already used for a different request", StringComparison.Ordinal))
            {
                return null; // the one 422 with a plain detail: an Idempotency-Key reused for another request (docs/api.md)
            }
            if (detail.ValueKind != JsonValueKind.Array || detail.GetArrayLength() == 0)
            {
                return "422 detail is not a non-empty array";
            }
            foreach (var error in detail.EnumerateArray())
            {
                if (error.ValueKind != JsonValueKind.Object)
                {
                    return "422 detail item is not an object";
                }
                var names = error.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
                if (!(names.SequenceEqual(["input", "loc", "msg", "type"]) || names.SequenceEqual(["ctx", "input", "loc", "msg", "type"])))
                {
                    return $"422 detail item keys are [{string.Join(",", names)}]";
                }
                if (error.GetProperty("type").ValueKind != JsonValueKind.String || error.GetProperty("msg").ValueKind != JsonValueKind.String)
                {
                    return "422 type or msg is not a string";
                }
                var loc = error.GetProperty("loc");
                if (loc.ValueKind != JsonValueKind.Array
                    || loc.EnumerateArray().Any(x => !(x.ValueKind == JsonValueKind.String || (x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out _)))))
                {
                    return "422 loc is not an array of strings and integers";
                }
                if (error.TryGetProperty("ctx", out var ctx) && ctx.ValueKind != JsonValueKind.Object)
                {
                    return "422 ctx is not an object";
                }
            }
            return null;
        }
        catch (JsonException error)
        {
            return $"body is not JSON: {error.Message}";
        }
    }
}
