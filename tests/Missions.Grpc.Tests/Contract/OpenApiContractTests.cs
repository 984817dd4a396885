using System.Net;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Missions.Grpc.Tests.Contract;

/// <summary>
/// The served OpenAPI document (generated from the proto) against Telnyx's spec (tests/contract, a copy of
/// ../shared/spec/missions.openapi.yaml), operation by operation: method and path, success status, the 422,
/// path and query parameters, request and response property names, required sets, enum values and formats.
/// Any difference fails with a readable list. Differences docs/api.md decides on are allowed by name below.
/// </summary>
public sealed class OpenApiContractTests(ITestOutputHelper output) : AppTest
{
    private static readonly string SpecPath = Path.Combine(ServerProcess.RepoRoot, "tests", "contract", "missions.openapi.yaml");

    /// <summary>Deliberate differences, each with its reason: (operation, JSON path in the document) → why.</summary>
    private static readonly Dictionary<(string Operation, string Where), string> Allowed = new()
    {
        [("GET /v2/ai/missions/{mission_id}", "response.data.properties")] =
            "docs/api.md: mission GET adds tools, knowledge_bases and mcp_servers (the spec's description promises them)",
    };

    [Fact]
    public async Task Every_spec_operation_is_served_as_the_spec_describes_it()
    {
        var spec = LoadYaml(SpecPath);
        var (status, served, _) = await App.Rest(key: null).SendAsync(HttpMethod.Get, "/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, status);

        var differences = new List<string>();
        var checkedOperations = 0;
        var specOperations = 0;
        var basePath = new Uri((string)spec["servers"]![0]!["url"]!).AbsolutePath.TrimEnd('/'); // "/v2"
        foreach (var (path, item) in spec["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                specOperations++;
                var name = $"{method.ToUpperInvariant()} {basePath}{path}";
                var servedOperation = served!["paths"]?[basePath + path]?[method];
                if (servedOperation is null)
                {
                    differences.Add($"{name}: not served");
                    continue;
                }
                var before = differences.Count;
                CompareOperation(name, new Document(spec, operation!), new Document(served, servedOperation), differences);
                if (differences.Count == before)
                {
                    checkedOperations++;
                }
            }
        }
        var beyond = served!["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(m => $"{m.Key.ToUpperInvariant()} {p.Key}"))
            .Where(o => spec["paths"]![o.Split(' ')[1][basePath.Length..]]?[o.Split(' ')[0].ToLowerInvariant()] is null)
            .ToList();

        output.WriteLine($"OpenAPI contract: {checkedOperations}/{specOperations} operations match the spec" +
                         $" ({beyond.Count} served beyond it: {string.Join(", ", beyond)})");
        Assert.True(differences.Count == 0, "The served document differs from the spec:\n" + string.Join("\n", differences));
        Assert.Equal(41, specOperations);
        Assert.Equal(specOperations, checkedOperations);
    }

    [Fact]
    public void The_contract_copy_is_the_shared_spec_when_that_is_at_hand()
    {
        var shared = Path.Combine(ServerProcess.RepoRoot, "..", "shared", "spec", "missions.openapi.yaml");
        if (File.Exists(shared))
        {
            Assert.Equal(File.ReadAllText(shared), File.ReadAllText(SpecPath));
        }
        Assert.True(File.Exists(SpecPath));
    }

    [Fact]
    public async Task The_watch_stream_is_described_as_ndjson()
    {
        var (_, served, _) = await App.Rest(key: null).SendAsync(HttpMethod.Get, "/swagger/v1/swagger.json");

        var ok = served!["paths"]!["/v2/ai/missions/{mission_id}/runs/{run_id}/watch"]!["get"]!["responses"]!["200"]!;
        Assert.Equal(["application/x-ndjson"], ok["content"]!.AsObject().Select(c => c.Key));
        Assert.Contains("one JSON object", (string?)ok["description"]);
    }

    [Fact]
    public async Task The_mission_stats_operation_is_documented_with_its_window_bounds_and_numeric_types()
    {
        var (_, served, _) = await App.Rest(key: null).SendAsync(HttpMethod.Get, "/swagger/v1/swagger.json");

        var operation = served!["paths"]!["/v2/ai/missions/{mission_id}/stats"]!["get"]!;
        Assert.Equal("Runs", (string?)operation["tags"]![0]);
        Assert.Contains("beyond the Telnyx spec", (string?)operation["summary"]);
        var window = operation["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "window")!;
        Assert.Equal("query", (string?)window["in"]);
        Assert.Equal(1, (int)window["schema"]!["minimum"]!);
        Assert.Equal(1000, (int)window["schema"]!["maximum"]!);
        var stats = served["components"]!["schemas"]!["MissionStats"]!;
        Assert.Equal("integer", (string?)stats["properties"]!["total_runs"]!["type"]);
        Assert.Equal("number", (string?)stats["properties"]!["success_rate"]!["type"]);
        Assert.Equal(["hour", "day"], served["components"]!["schemas"]!["MissionStatsBucketWidth"]!["enum"]!.AsArray().Select(v => (string)v!));
    }

    [Fact]
    public async Task Page_parameters_carry_the_bounds_the_server_enforces()
    {
        var (_, served, _) = await App.Rest(key: null).SendAsync(HttpMethod.Get, "/swagger/v1/swagger.json");

        var parameters = served!["paths"]!["/v2/ai/missions"]!["get"]!["parameters"]!.AsArray()
            .ToDictionary(p => (string)p!["name"]!, p => p!["schema"]!);
        Assert.Equal(1, (int)parameters["page[number]"]["minimum"]!);
        Assert.Null(parameters["page[number]"]["maximum"]);
        Assert.Equal(1, (int)parameters["page[size]"]["minimum"]!);
        Assert.Equal(1000, (int)parameters["page[size]"]["maximum"]!);
    }

    [Fact]
    public async Task Swagger_ui_is_off_outside_development_and_when_on_is_served_without_a_key_under_a_strict_policy()
    {
        using (var off = await App.Rest(key: null).GetAsync("/swagger/index.html"))
        {
            Assert.Equal(HttpStatusCode.NotFound, off.StatusCode); // the test host's environment is "Testing"
        }
        using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["OpenApi:SwaggerUi"] = "true" });
        using var response = await app.Rest(key: null).GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task The_documents_server_comes_from_configuration_never_from_the_host_header()
    {
        var client = App.Rest(key: null);
        client.DefaultRequestHeaders.Host = "evil.example";
        var (status, served, _) = await client.SendAsync(HttpMethod.Get, "/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("/", (string?)Assert.Single(served!["servers"]!.AsArray())!["url"]);
        Assert.DoesNotContain("evil.example", served.ToJsonString());

        using var configured = new MissionsApp(settings: new Dictionary<string, string?> { ["OpenApi:ServerUrl"] = "https://missions.example.com" });
        var (_, document, _) = await configured.Rest(key: null).SendAsync(HttpMethod.Get, "/swagger/v1/swagger.json");
        Assert.Equal("https://missions.example.com", (string?)document!["servers"]![0]!["url"]);
    }

    [Fact]
    public async Task The_document_names_its_server_license_and_rest_tags_and_each_operation_its_grpc_method()
    {
        var (_, served, _) = await App.Rest(key: null).SendAsync(HttpMethod.Get, "/swagger/v1/swagger.json");

        // The server is the one that served the document (its paths start with /v2), unless configured.
        Assert.Equal("/", (string?)served!["servers"]![0]!["url"]);
        Assert.Equal("MIT", (string?)served["info"]!["license"]!["name"]);
        Assert.Equal(["Missions", "Runs", "Plans", "Events", "Agents", "Attachments", "Webhooks"], served["tags"]!.AsArray().Select(t => (string)t!["name"]!));
        Assert.Contains("gRPC: `missions.v1.MissionRunsService`", (string?)served["tags"]![1]!["description"]);
        Assert.Contains("gRPC: `missions.v1.RunWatchService`", (string?)served["tags"]![1]!["description"]);

        var operations = served["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => m.Value!)).ToList();
        Assert.Equal(52, operations.Count); // the spec's 41, the watch stream, the mission stats and the 9 of webhooks
        Assert.All(operations, operation =>
        {
            var tag = (string)operation["tags"]![0]!;
            Assert.Contains(tag, new[] { "Missions", "Runs", "Plans", "Events", "Agents", "Attachments", "Webhooks" });
            Assert.Matches(@"\n\ngRPC: `missions\.v1\.\w+Service/\w+`\.$", (string?)operation["description"]);
            Assert.DoesNotContain("\n", (string?)operation["summary"]);
        });
        var create = served["paths"]!["/v2/ai/missions"]!["post"]!;
        Assert.Equal("Create mission", (string?)create["summary"]);
        Assert.EndsWith("gRPC: `missions.v1.MissionsService/CreateMission`.", (string?)create["description"]);
        Assert.Equal("Attachments", (string?)served["paths"]!["/v2/ai/missions/{mission_id}/tools"]!["get"]!["tags"]![0]);
        // Every component schema is used (the 204s' google.protobuf.Empty is not listed).
        var document = served.ToJsonString();
        Assert.All(served["components"]!["schemas"]!.AsObject(), schema => Assert.Contains($"\"#/components/schemas/{schema.Key}\"", document));
    }

    private static void CompareOperation(string name, Document spec, Document served, List<string> differences)
    {
        var specSuccess = spec.Node["responses"]!.AsObject().Select(r => r.Key).Where(k => k != "422").ToList();
        var servedSuccess = served.Node["responses"]!.AsObject().Select(r => r.Key).Where(k => k is not "422" and not "default").ToList();
        if (!specSuccess.SequenceEqual(servedSuccess))
        {
            differences.Add($"{name}: success status {string.Join(",", servedSuccess)}, spec says {string.Join(",", specSuccess)}");
        }
        if (served.Resolve(served.Node["responses"]?["422"]?["content"]?["application/json"]?["schema"]) is not { } validation
            || validation["properties"]?["detail"] is null)
        {
            differences.Add($"{name}: no 422 HTTPValidationError response");
        }

        foreach (var location in new[] { "path", "query" })
        {
            var specParameters = Parameters(spec, location);
            var servedParameters = Parameters(served, location);
            if (!specParameters.Keys.Order().SequenceEqual(servedParameters.Keys.Order()))
            {
                differences.Add($"{name}: {location} parameters [{string.Join(", ", servedParameters.Keys.Order())}], spec has [{string.Join(", ", specParameters.Keys.Order())}]");
                continue;
            }
            foreach (var (parameter, format) in specParameters)
            {
                if (!SameFormat(format, servedParameters[parameter]))
                {
                    differences.Add($"{name}: {location} parameter {parameter} has format '{servedParameters[parameter]}', spec says '{format}'");
                }
            }
        }

        var specBody = spec.Resolve(spec.Node["requestBody"]?["content"]?["application/json"]?["schema"]);
        var servedBody = served.Resolve(served.Node["requestBody"]?["content"]?["application/json"]?["schema"]);
        if (specBody?["properties"] is not null)
        {
            CompareSchema(name, "request", spec, specBody, served, servedBody, differences);
        }
        var specResponse = spec.Resolve(spec.Node["responses"]?[specSuccess.FirstOrDefault() ?? ""]?["content"]?["application/json"]?["schema"]);
        var servedResponse = served.Resolve(served.Node["responses"]?[servedSuccess.FirstOrDefault() ?? ""]?["content"]?["application/json"]?["schema"]);
        if (specResponse?["properties"] is not null)
        {
            CompareSchema(name, "response", spec, specResponse, served, servedResponse, differences);
        }
    }

    /// <summary>Property names, required sets, enum values and formats, recursively through objects and arrays.</summary>
    private static void CompareSchema(string operation, string where, Document spec, JsonNode specSchema, Document served, JsonNode? servedSchema, List<string> differences)
    {
        if (servedSchema is null)
        {
            differences.Add($"{operation}: {where} has no schema; spec has one");
            return;
        }
        var specEnum = Strings(specSchema["enum"]);
        var servedEnum = Strings(servedSchema["enum"]);
        if (!specEnum.SequenceEqual(servedEnum))
        {
            differences.Add($"{operation}: {where} enum [{string.Join(", ", servedEnum)}], spec has [{string.Join(", ", specEnum)}]");
        }
        if (!SameFormat((string?)specSchema["format"] ?? "", (string?)servedSchema["format"] ?? ""))
        {
            differences.Add($"{operation}: {where} format '{servedSchema["format"]}', spec says '{specSchema["format"]}'");
        }
        if (specSchema["items"] is { } specItems)
        {
            CompareSchema(operation, where + "[]", spec, spec.Resolve(specItems)!, served, served.Resolve(servedSchema["items"]), differences);
        }
        if (specSchema["properties"] is not JsonObject specProperties || specProperties.Count == 0)
        {
            return;
        }
        var servedProperties = servedSchema["properties"]?.AsObject() ?? [];
        var specNames = specProperties.Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        var servedNames = servedProperties.Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        if (!specNames.SequenceEqual(servedNames) && !Allowed.ContainsKey((operation, where + ".properties")))
        {
            differences.Add($"{operation}: {where} properties [{string.Join(", ", servedNames)}], spec has [{string.Join(", ", specNames)}]" +
                            $" (missing: {string.Join(", ", specNames.Except(servedNames))}; extra: {string.Join(", ", servedNames.Except(specNames))})");
        }
        var specRequired = Strings(specSchema["required"]).Order(StringComparer.Ordinal).ToList();
        var servedRequired = Strings(servedSchema["required"]).Order(StringComparer.Ordinal).ToList();
        if (!specRequired.SequenceEqual(servedRequired))
        {
            differences.Add($"{operation}: {where} required [{string.Join(", ", servedRequired)}], spec has [{string.Join(", ", specRequired)}]");
        }
        foreach (var (property, specProperty) in specProperties)
        {
            if (servedProperties[property] is { } servedProperty)
            {
                CompareSchema(operation, $"{where}.{property}", spec, spec.Resolve(specProperty)!, served, served.Resolve(servedProperty), differences);
            }
        }
    }

    /// <summary>
    /// The formats the spec uses (uuid, date-time) must match both ways; a served number format (int32) the spec
    /// leaves out describes the same integer.
    /// </summary>
    private static bool SameFormat(string spec, string served) =>
        spec == served || (spec.Length == 0 && served is not ("uuid" or "date-time"));

    /// <summary>Parameters of one location: name → format ("" when none).</summary>
    private static Dictionary<string, string> Parameters(Document document, string location) =>
        (document.Node["parameters"]?.AsArray() ?? [])
        .Select(p => document.Resolve(p)!)
        .Where(p => (string?)p["in"] == location)
        .ToDictionary(p => (string)p["name"]!, p => (string?)document.Resolve(p["schema"])?["format"] ?? "");

    private static List<string> Strings(JsonNode? array) =>
        array is JsonArray items ? items.Select(i => i!.ToString()).ToList() : [];

    /// <summary>One operation of a document, with <c>$ref</c> resolution against the whole document.</summary>
    private sealed record Document(JsonNode Root, JsonNode Node)
    {
        public JsonNode? Resolve(JsonNode? node)
        {
            for (var depth = 0; node is JsonObject obj && obj["$ref"] is { } reference && depth < 16; depth++)
            {
                node = ((string)reference!).TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
                    .Aggregate<string, JsonNode?>(Root, (current, segment) => current?[segment]);
            }
            // OpenAPI 3.1 may wrap a reference with siblings in allOf; one member is the referenced schema.
            if (node is JsonObject { Count: > 0 } wrapper && wrapper["allOf"] is JsonArray { Count: 1 } all)
            {
                return Resolve(all[0]);
            }
            return node;
        }
    }

    /// <summary>YAML to a JSON tree (scalars as strings, except true/false): enough to compare names and values.</summary>
    private static JsonNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }
        return Convert(stream.Documents[0].RootNode)!;

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
            YamlSequenceNode list => new JsonArray(list.Children.Select(Convert).ToArray()),
            YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "true" or "false" } flag => JsonValue.Create(flag.Value == "true"),
            YamlScalarNode scalar => JsonValue.Create(scalar.Value),
            _ => null,
        };
    }
}
