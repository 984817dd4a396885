using System.Net;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Errors;

/// <summary>Input limits are explicit, configurable, and answered in the documented shape — never a 5xx.</summary>
public sealed class LimitsTests
{
    private static string Nested(int depth) =>
        string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

    [Fact]
    public async Task The_free_form_nesting_limit_is_configurable_and_holds_for_rest_and_grpc()
    {
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Validation:MaxFreeFormDepth"] = "3" });
        var rest = app.Rest();

        var (atLimit, _, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"x","metadata":{{Nested(3)}}}""");
        var (over, json, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"x","metadata":{{Nested(4)}}}""");
        var grpc = await Assert.ThrowsAsync<RpcException>(() => app.Grpc().CreateMissionAsync(
            new CreateMissionRequest { Name = "x", Metadata = Struct.Parser.ParseJson(Nested(4)) }, Key(), Deadline).ResponseAsync);

        Assert.Equal(HttpStatusCode.Created, atLimit);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, over);
        Assert.Equal("Value error, nesting deeper than 3 levels", (string?)json.SingleDetail()["msg"]);
        Assert.Equal(["body", "metadata"], json.SingleDetail().Loc());
        Assert.Equal(StatusCode.InvalidArgument, grpc.StatusCode);
    }

    /// <summary>
    /// D1: the deepest configurable nesting (33) is stored and read back on every path that keeps a free-form value —
    /// before, a server could be started with up to 48, accepted metadata 35 deep and then answered its GET with a 500
    /// (protobuf's parser stopped at 100 nested messages re-reading it). 34 is refused at start (StartupSettingsTests).
    /// </summary>
    [Fact]
    public async Task The_deepest_configurable_nesting_stays_readable()
    {
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Validation:MaxFreeFormDepth"] = "33" });
        var rest = app.Rest();
        var deep = Nested(33);

        var (created, mission, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"x","metadata":{{deep}}}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var missionPath = RestCalls.Missions + "/" + (string)mission!["data"]!["mission_id"]!;
        var (started, run, _) = await rest.SendAsync(HttpMethod.Post, missionPath + "/runs", $$"""{"input":{{deep}},"metadata":{{deep}}}""");
        Assert.Equal(HttpStatusCode.Created, started);
        var runPath = missionPath + "/runs/" + (string)run!["data"]!["run_id"]!;
        var (logged, _, _) = await rest.SendAsync(HttpMethod.Post, runPath + "/events", $$"""{"type":"custom","summary":"deep","payload":{{deep}}}""");
        Assert.Equal(HttpStatusCode.Created, logged);

        var (readMission, missionJson, _) = await rest.SendAsync(HttpMethod.Get, missionPath);
        var (readRun, runJson, _) = await rest.SendAsync(HttpMethod.Get, runPath);
        var (readEvents, eventsJson, _) = await rest.SendAsync(HttpMethod.Get, runPath + "/events");
        var (listed, listJson, _) = await rest.SendAsync(HttpMethod.Get, RestCalls.Missions);

        Assert.Equal(HttpStatusCode.OK, readMission);
        Assert.Equal(deep, missionJson!["data"]!["metadata"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, readRun);
        Assert.Equal(deep, runJson!["data"]!["input"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, readEvents);
        Assert.Equal(deep, eventsJson!["data"]![0]!["payload"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(deep, listJson!["data"]![0]!["metadata"]!.ToJsonString());
    }

    [Fact]
    public async Task The_body_size_limit_is_configurable_and_answers_413()
    {
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Rest:MaxRequestBodyBytes"] = "1024" });

        var (status, json, _) = await app.Rest().SendAsync(HttpMethod.Post, RestCalls.Missions,
            $$"""{"name":"{{new string('x', 2000)}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("""{"detail":"Request body too large: the limit is 1024 bytes"}""", json!.ToJsonString());
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_answer_400_as_FastAPI_does()
    {
        await using var app = new MissionsApp();
        var body = new ByteArrayContent([.. "{\"name\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8]);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await app.Rest().PostAsync(RestCalls.Missions, body);
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode); // Python cannot decode them: not a JSON error but an unreadable body
        Assert.Equal("There was an error parsing the body", (string?)json!["detail"]);
    }

    [Theory]
    [InlineData("""{"big":1e400}""", false)]
    [InlineData("""{"small":-1e400}""", false)]
    [InlineData("""{"long":123456789012345678901234567890}""", false)]
    [InlineData("""{"nested":[{"id":9007199254740993}]}""", false)]
    [InlineData("""{"max":9007199254740992,"min":-9007199254740992,"tiny":1e-400,"neg":-0,"float":1.5e300}""", true)]
    public async Task Numbers_a_free_form_object_cannot_keep_exactly_are_refused_by_name_never_changed(string metadata, bool stored)
    {
        await using var app = new MissionsApp();

        var (status, json, _) = await app.Rest().SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"n","metadata":{{metadata}}}""");

        if (stored)
        {
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(9007199254740992L, (long)json!["data"]!["metadata"]!["max"]!); // exactly as sent
            Assert.Equal(-9007199254740992L, (long)json["data"]!["metadata"]!["min"]!);
        }
        else
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            Assert.Equal(["body", "metadata"], json.SingleDetail().Loc());
            Assert.Contains((string?)json.SingleDetail()["msg"], new[]
            {
                "Value error, numbers must be finite",
                "Value error, integers beyond ±9007199254740992 (2^53) cannot be stored exactly; send them as strings",
            });
        }
    }

    [Theory]
    [InlineData("GET", "application/json; charset=x-junk")]
    [InlineData("GET", "text/plain; charset=\"\"")]
    [InlineData("DELETE", "application/json; charset=nope")]
    public async Task An_unknown_charset_on_a_route_without_a_body_is_ignored(string method, string contentType)
    {
        await using var app = new MissionsApp();
        var missionId = await app.Rest().NewMissionAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), $"{RestCalls.Missions}/{missionId}")
        {
            Content = new ByteArrayContent([]),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await app.Rest().SendAsync(request);

        Assert.Equal(method == "GET" ? HttpStatusCode.OK : HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData("gzip", "39739BF0B1943004B5AE")]
    [InlineData("deflate", "39739BF0B1943004B5AE")]
    [InlineData("deflate", "78F9256368812717FD5BC9F70EDDC020BBFF65D0")] // a zlib header asking for a preset dictionary (found by the fuzz test)
    public async Task A_grpc_message_that_does_not_decompress_is_invalid_argument_not_unknown(string encoding, string payload)
    {
        await using var app = new MissionsApp();
        using var raw = new HttpClient(app.Server.CreateHandler()) { BaseAddress = app.Server.BaseAddress };
        var junk = Convert.FromHexString(payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/missions.v1.MissionsService/CreateMission")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([1, 0, 0, 0, (byte)junk.Length, .. junk]), // flag 1: compressed
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {TestKeys.KeyA}");

        using var response = await raw.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.Single()
            : response.Headers.GetValues("grpc-status").Single();

        Assert.Equal(((int)StatusCode.InvalidArgument).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
    }

    [Theory]
    [InlineData("tools", """{"tool_id":".."}""", "body,tool_id")]
    [InlineData("tools", """{"tool_id":"."}""", "body,tool_id")]
    [InlineData("mcp-servers", """{"mcp_server_id":"a\u0001b"}""", "body,mcp_server_id")]
    [InlineData("runs/{run}/plan", """{"steps":[{"step_id":"..","description":"d","sequence":0}]}""", "body,steps,0,step_id")]
    [InlineData("runs/{run}/plan", """{"steps":[{"step_id":"a\nb","description":"d","sequence":0}]}""", "body,steps,0,step_id")]
    [InlineData("runs/{run}/telnyx-agents", """{"telnyx_agent_id":"."}""", "body,telnyx_agent_id")]
    [InlineData("runs/{run}/telnyx-agents", """{"telnyx_agent_id":"agent\n"}""", "body,telnyx_agent_id")]
    [InlineData("runs/{run}/plan", """{"steps":[{"step_id":"ab\n","description":"d","sequence":0}]}""", "body,steps,0,step_id")]
    [InlineData("tools", """{"tool_id":"t\n"}""", "body,tool_id")]
    public async Task Ids_a_url_path_cannot_address_are_refused(string route, string body, string loc)
    {
        await using var app = new MissionsApp();
        var (run, missionId, runId) = await app.Rest().NewRunAsync();

        var (status, json, _) = await app.Rest().SendAsync(HttpMethod.Post,
            $"{RestCalls.Missions}/{missionId}/{route.Replace("{run}", runId)}", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal("value_error", (string?)error["type"]);
        Assert.Equal(loc, string.Join(',', error.Loc()));
        Assert.Contains("addressable in a URL path", (string?)error["msg"]);
        _ = run;
    }
}
