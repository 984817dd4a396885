using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.MissionsApi;

/// <summary>POST /v2/ai/missions as a REST caller sees it: status, headers, exact JSON.</summary>
public sealed partial class CreateMissionRestTests : AppTest
{
    private const string Path = "/v2/ai/missions";
    private HttpClient Client => field ??= App.Rest();

    [Fact]
    public async Task Minimal_create_answers_201_with_exactly_the_required_keys()
    {
        var (status, json, response) = await Client.PostAsync(Path, """{"name":"Triage inbound calls"}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["data"], json.Keys());
        var data = json!["data"]!;
        Assert.Equal(Json.Sorted("mission_id", "name", "execution_mode", "created_at", "updated_at"), data.Keys());
        Assert.Equal("Triage inbound calls", (string?)data["name"]);
        Assert.Equal("external", (string?)data["execution_mode"]);
        Assert.Matches(UuidV7(), (string?)data["mission_id"]);
        Assert.Matches(Rfc3339Utc(), (string?)data["created_at"]);
        Assert.Equal((string?)data["created_at"], (string?)data["updated_at"]);
        var created = DateTimeOffset.Parse((string)data["created_at"]!);
        Assert.InRange(created, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Full_create_echoes_every_field()
    {
        var body = """
            {"name":"Collections","description":"Call overdue accounts","model":"gpt-4o","instructions":"Be polite.",
             "execution_mode":"managed","metadata":{"team":"ops","priority":2,"ratio":0.5,"flags":[true,false],
             "nested":{"deep":{"list":[1,"two",null,{"x":[]}]}},"nothing":null,"empty":{}}}
            """;
        var (status, json, _) = await Client.PostAsync(Path, body);

        Assert.Equal(HttpStatusCode.Created, status);
        var data = json!["data"]!;
        Assert.Equal(
            Json.Sorted("mission_id", "name", "description", "model", "instructions", "execution_mode", "metadata", "created_at", "updated_at"),
            data.Keys());
        Assert.Equal("Collections", (string?)data["name"]);
        Assert.Equal("Call overdue accounts", (string?)data["description"]);
        Assert.Equal("gpt-4o", (string?)data["model"]);
        Assert.Equal("Be polite.", (string?)data["instructions"]);
        Assert.Equal("managed", (string?)data["execution_mode"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body)!["metadata"], data["metadata"]), data["metadata"]!.ToJsonString());
    }

    [Fact]
    public async Task Text_holding_nul_and_noncharacters_is_stored_exactly()
    {
        // JSON strings may hold U+0000; PostgreSQL text cannot (it answered 500 before its text was escaped).
        const string body = """{"name":"a\u0000b","description":"\uffff0\uffff\u0000","instructions":"x\u00000"}""";
        var (status, created, _) = await App.Rest().PostAsync("/v2/ai/missions", body);
        var id = (string)created!["data"]!["mission_id"]!;
        var (_, read, _) = await App.Rest().SendAsync(HttpMethod.Get, $"/v2/ai/missions/{id}");
        var (_, listed, _) = await App.Rest().SendAsync(HttpMethod.Get, "/v2/ai/missions");

        Assert.Equal(HttpStatusCode.Created, status);
        foreach (var mission in new[] { created["data"]!, read!["data"]!, listed!["data"]![0]! })
        {
            Assert.Equal("a\u0000b", (string?)mission["name"]);
            Assert.Equal("\uffff0\uffff\u0000", (string?)mission["description"]);
            Assert.Equal("x\u00000", (string?)mission["instructions"]);
        }
    }

    [Fact]
    public async Task Empty_name_is_accepted_and_nulls_and_unknown_keys_mean_absent()
    {
        var (status, json, _) = await Client.PostAsync(Path,
            """{"name":"","description":null,"model":null,"metadata":null,"execution_mode":null,"surprise":{"x":1}}""");

        Assert.Equal(HttpStatusCode.Created, status);
        var data = json!["data"]!;
        Assert.Equal(Json.Sorted("mission_id", "name", "execution_mode", "created_at", "updated_at"), data.Keys());
        Assert.Equal("", (string?)data["name"]);
        Assert.Equal("external", (string?)data["execution_mode"]);
    }

    [Fact]
    public async Task A_key_given_twice_keeps_its_last_value_as_in_python()
    {
        var (status, json, _) = await Client.PostAsync(Path, """{"name":"first","name":"last","metadata":{"a":1,"a":2}}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("last", (string?)json!["data"]!["name"]);
        Assert.Equal("""{"a":2}""", json["data"]!["metadata"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"name":"\ud800"}""", "string_unicode", "name")]
    [InlineData("""{"name":"x","metadata":{"k":"a\udc00b"}}""", "string_unicode", "metadata")]
    [InlineData("""{"name":"x","metadata":{"":1}}""", "value_error", "metadata")]
    [InlineData("""{"name":"x","metadata":{"a":{"":[]}}}""", "value_error", "metadata")]
    public async Task Text_json_cannot_carry_answers_422_not_500(string body, string type, string field)
    {
        var (status, json, _) = await Client.PostAsync(Path, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(["body", field], error.Loc());
    }

    [Fact]
    public async Task An_object_key_that_is_not_unicode_answers_422_string_unicode_at_its_field()
    {
        var (status, json, _) = await Client.PostAsync(Path, """{"name":"x","metadata":{"\ud800":1}}""");

        // Python reads the key (a lone surrogate), pydantic accepts it; protobuf cannot store it (docs/api.md, departures).
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("string_unicode", (string?)json.SingleDetail()["type"]);
        Assert.Equal(["body", "metadata"], json.SingleDetail().Loc());
    }

    [Fact]
    public async Task Unknown_keys_holding_anything_are_ignored()
    {
        var (status, _, _) = await Client.PostAsync(Path, """{"name":"x","extra":"\ud800","more":{"":{"a":[1,{"b":2}]}}}""");
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task A_byte_order_mark_before_the_json_is_accepted()
    {
        var body = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("""{"name":"bom"}""")]);
        body.Headers.ContentType = new("application/json");
        var response = await Client.PostAsync(Path, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Body_sent_without_a_json_content_type_is_still_read_as_json()
    {
        var response = await Client.PostAsync(Path, Json.Body("""{"name":"curl -d default"}""", "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"description":"no name"}""", "missing", "name", "Field required")]
    [InlineData("""{}""", "missing", "name", "Field required")]
    [InlineData("""{"name":null}""", "string_type", "name", "Input should be a valid string")]
    [InlineData("""{"name":5}""", "string_type", "name", "Input should be a valid string")]
    [InlineData("""{"name":true}""", "string_type", "name", "Input should be a valid string")]
    [InlineData("""{"name":{"a":1}}""", "string_type", "name", "Input should be a valid string")]
    [InlineData("""{"name":["a"]}""", "string_type", "name", "Input should be a valid string")]
    [InlineData("""{"name":"x","description":5}""", "string_type", "description", "Input should be a valid string")]
    [InlineData("""{"name":"x","model":1.5}""", "string_type", "model", "Input should be a valid string")]
    [InlineData("""{"name":"x","instructions":false}""", "string_type", "instructions", "Input should be a valid string")]
    [InlineData("""{"name":"x","execution_mode":"EXTERNAL"}""", "enum", "execution_mode", "Input should be 'external' or 'managed'")]
    [InlineData("""{"name":"x","execution_mode":"bogus"}""", "enum", "execution_mode", "Input should be 'external' or 'managed'")]
    [InlineData("""{"name":"x","execution_mode":"EXECUTION_MODE_UNSPECIFIED"}""", "enum", "execution_mode", "Input should be 'external' or 'managed'")]
    [InlineData("""{"name":"x","execution_mode":1}""", "enum", "execution_mode", "Input should be 'external' or 'managed'")]
    [InlineData("""{"name":"x","metadata":[1,2]}""", "dict_type", "metadata", "Input should be a valid dictionary")]
    [InlineData("""{"name":"x","metadata":"text"}""", "dict_type", "metadata", "Input should be a valid dictionary")]
    [InlineData("""{"name":"x","metadata":7}""", "dict_type", "metadata", "Input should be a valid dictionary")]
    public async Task Invalid_field_answers_422_in_pydantic_terms(string body, string type, string field, string msg)
    {
        var (status, json, response) = await Client.PostAsync(Path, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["detail"], json.Keys());
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(["body", field], error.Loc());
        Assert.Equal(msg, (string?)error["msg"]);
        Assert.True(error.AsObject().ContainsKey("input"));
        var sent = JsonNode.Parse(body)!;
        // pydantic's input: the offending value, or for a missing field the object it is missing from.
        var expectedInput = type == "missing" ? sent : sent[field];
        Assert.True(JsonNode.DeepEquals(expectedInput, error["input"]), error.ToJsonString());
        if (type == "enum")
        {
            Assert.Equal("'external' or 'managed'", (string?)error["ctx"]!["expected"]);
        }
    }

    [Theory]
    [InlineData("", "missing", "Field required")]
    [InlineData("[1,2]", "model_attributes_type", "Input should be a valid dictionary or object to extract fields from")]
    [InlineData("\"name\"", "model_attributes_type", "Input should be a valid dictionary or object to extract fields from")]
    [InlineData("null", "missing", "Field required")] // FastAPI takes a JSON null body for an absent one
    public async Task Body_that_is_not_an_object_answers_422_at_body(string body, string type, string msg)
    {
        var (status, json, _) = await Client.PostAsync(Path, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(["body"], error.Loc());
        Assert.Equal(msg, (string?)error["msg"]);
    }

    [Theory]
    [InlineData("""{"name": "x",""", 13)]
    [InlineData("""{"name": "x" """, 13)]
    [InlineData("hello", 0)]
    [InlineData("""{"name": 'x'}""", 9)]
    public async Task Malformed_json_answers_422_json_invalid_with_its_offset(string body, int offset)
    {
        var (status, json, _) = await Client.PostAsync(Path, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal("json_invalid", (string?)error["type"]);
        Assert.Equal("JSON decode error", (string?)error["msg"]);
        Assert.Equal(["body", offset.ToString()], error.Loc());
        Assert.Equal(offset, (int)error["loc"]![1]!);
        Assert.Equal("{}", error["input"]!.ToJsonString());
        Assert.False(string.IsNullOrEmpty((string?)error["ctx"]!["error"]));
    }

    [Fact]
    public async Task Every_error_of_a_body_is_reported_at_once_in_field_order()
    {
        var (status, json, _) = await Client.PostAsync(Path, """{"metadata":[],"execution_mode":"x","model":3}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var errors = json!["detail"]!.AsArray();
        Assert.Equal(
            ["missing body.name", "string_type body.model", "enum body.execution_mode", "dict_type body.metadata"],
            errors.Select(e => $"{(string?)e!["type"]} {string.Join('.', e.Loc())}"));
    }

    [Fact]
    public async Task Strings_longer_than_the_declared_limit_answer_422_string_too_long()
    {
        var (status, json, _) = await Client.PostAsync(Path, $$"""{"name":"{{new string('n', 257)}}"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal("string_too_long", (string?)error["type"]);
        Assert.Equal(["body", "name"], error.Loc());
        Assert.Equal("String should have at most 256 characters", (string?)error["msg"]);
        Assert.Equal(256, (int)error["ctx"]!["max_length"]!);

        var (ok, _, _) = await Client.PostAsync(Path, $$"""{"name":"{{new string('n', 256)}}"}""");
        Assert.Equal(HttpStatusCode.Created, ok);
    }

    [Fact]
    public async Task Metadata_nested_deeper_than_the_limit_answers_422()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 33)) + "1" + new string('}', 33);
        var (status, json, _) = await Client.PostAsync(Path, "{\"name\":\"x\",\"metadata\":" + deep + "}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal("value_error", (string?)error["type"]);
        Assert.Equal(["body", "metadata"], error.Loc());
        Assert.Equal("Value error, nesting deeper than 32 levels", (string?)error["msg"]);

        var fiftyLevels = string.Concat(Enumerable.Repeat("{\"a\":", 50)) + "1" + new string('}', 50);
        var (status50, json50, _) = await Client.PostAsync(Path, "{\"name\":\"x\",\"metadata\":" + fiftyLevels + "}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status50);
        Assert.Equal(["body", "metadata"], json50.SingleDetail().Loc());
        Assert.Equal("value_error", (string?)json50.SingleDetail()["type"]);

        var tooDeepToParse = string.Concat(Enumerable.Repeat("[", 200)) + new string(']', 200);
        var (status2, json2, _) = await Client.PostAsync(Path, "{\"name\":\"x\",\"metadata\":{\"a\":" + tooDeepToParse + "}}");
        Assert.Equal(HttpStatusCode.BadRequest, status2); // beyond Rest:MaxJsonDepth: answered as FastAPI answers a body beyond Python's recursion limit
        Assert.Equal("There was an error parsing the body: JSON nested deeper than 64 levels (Rest:MaxJsonDepth)", (string?)json2!["detail"]);
    }

    [Fact]
    public async Task Body_over_the_size_limit_answers_413()
    {
        var big = "{\"name\":\"x\",\"metadata\":{\"blob\":\"" + new string('b', 1024 * 1024) + "\"}}";
        var (status, json, _) = await Client.PostAsync(Path, big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(["detail"], json.Keys());
        Assert.Contains("1048576", (string?)json!["detail"]);
    }

    [Fact]
    public async Task Unknown_route_and_wrong_verb_answer_fastapi_style()
    {
        var notFound = await Client.GetAsync("/v2/ai/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("""{"detail":"Not Found"}""", await notFound.Content.ReadAsStringAsync());

        var wrongVerb = await Client.PatchAsync(Path, Json.Body("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongVerb.StatusCode);
        Assert.Equal("""{"detail":"Method Not Allowed"}""", await wrongVerb.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV7();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")]
    private static partial Regex Rfc3339Utc();
}
