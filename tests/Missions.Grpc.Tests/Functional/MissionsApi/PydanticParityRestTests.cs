using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.MissionsApi;

/// <summary>
/// Answers that used to differ from FastAPI/pydantic's (issue 28's D2–D8 and what the differential test found), each
/// as pydantic 2.13 answers it: raw status and JSON.
/// </summary>
public sealed class PydanticParityRestTests : AppTest
{
    private HttpClient Client => field ??= App.Rest();

    private async Task<string> PlanPathAsync()
    {
        var (path, _, _) = await Client.NewRunAsync();
        return path + "/plan";
    }

    private static string Steps(params string[] sequences) =>
        "{\"steps\":[" + string.Join(",", sequences.Select((s, i) => $$"""{"step_id":"s{{i}}","description":"d","sequence":{{s}}}""")) + "]}";

    [Fact]
    public async Task D2_a_lone_surrogate_in_an_unknown_key_is_ignored_like_the_key()
    {
        var (status, _, _) = await Client.PostAsync(RestCalls.Missions, """{"name":"x","\ud800":1}""");
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task D3_lax_integers_are_read_as_pydantic_reads_them()
    {
        var (status, json, _) = await Client.PostAsync(await PlanPathAsync(), Steps("true", "\"1_000\"", "\"1.0\"", "1.0000000000000001", "\" 7 \"", "2.0"));

        Assert.Equal(HttpStatusCode.Created, status);
        var sequences = json!["data"]!.AsArray().OrderBy(s => (string?)s!["step_id"]).Select(s => (int)s!["sequence"]!).ToArray();
        Assert.Equal([1, 1000, 1, 1, 7, 2], sequences);
    }

    [Theory]
    [InlineData("2147483648", "less_than_equal", "Input should be less than or equal to 2147483647")]
    [InlineData("-2147483649", "greater_than_equal", "Input should be greater than or equal to -2147483648")]
    [InlineData("1e400", "finite_number", "Input should be a finite number")]
    [InlineData("NaN", "finite_number", "Input should be a finite number")]
    [InlineData("1.5", "int_from_float", "Input should be a valid integer, got a number with a fractional part")]
    [InlineData("\"1e2\"", "int_parsing", "Input should be a valid integer, unable to parse string as an integer")]
    public async Task D4_an_integer_out_of_range_or_not_finite_says_so(string sequence, string type, string msg)
    {
        var (status, json, _) = await Client.PostAsync(await PlanPathAsync(), Steps(sequence));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(["body", "steps", "0", "sequence"], error.Loc());
        Assert.Equal(msg, (string?)error["msg"]);
    }

    [Fact]
    public async Task An_enum_value_that_is_not_text_is_string_unicode_as_pydantic_reads_it_as_a_str_first()
    {
        var (path, _, _) = await Client.NewRunAsync();
        var (status, json, _) = await Client.SendAsync(HttpMethod.Patch, path, """{"status":"\ud800"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("string_unicode", (string?)json.SingleDetail()["type"]);
        Assert.Equal(["body", "status"], json.SingleDetail().Loc());
    }

    [Fact]
    public async Task D5_null_for_a_required_list_is_list_type()
    {
        var (status, json, _) = await Client.PostAsync(await PlanPathAsync(), """{"steps":null}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal("list_type", (string?)error["type"]);
        Assert.Equal(["body", "steps"], error.Loc());
    }

    [Fact]
    public async Task D6_every_problem_of_every_item_is_reported_at_once()
    {
        var body = $$"""{"steps":[{"step_id":"a","description":"d","sequence":"bad"},{"step_id":"{{new string('s', 257)}}","description":"d","sequence":2},{"description":5}]}""";
        var (status, json, _) = await Client.PostAsync(await PlanPathAsync(), body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var found = json!["detail"]!.AsArray().Select(e => ((string)e!["type"]!, string.Join("/", e.Loc()))).ToHashSet();
        Assert.Equal(
            new HashSet<(string, string)>
            {
                ("int_parsing", "body/steps/0/sequence"),
                ("string_too_long", "body/steps/1/step_id"),
                ("string_type", "body/steps/2/description"),
                ("missing", "body/steps/2/step_id"),
                ("missing", "body/steps/2/sequence"),
            },
            found);
    }

    [Theory]
    [InlineData("{\"name\":\"\U0001F600\U0001F600\U0001F600\", x}", 15, "Expecting property name enclosed in double quotes")]
    [InlineData("{\"name\": tru}", 9, "Expecting value")]
    [InlineData("{\"name\":\"x\",}", 12, "Expecting property name enclosed in double quotes")]
    [InlineData("   ", 3, "Expecting value")]
    [InlineData("{\"name\":\"a\\qb\"}", 10, "Invalid \\escape")]
    [InlineData("{\"name\":\"x\"} x", 13, "Extra data")]
    public async Task D7_json_errors_are_where_and_what_Python_says(string body, int offset, string error)
    {
        var (status, json, _) = await Client.PostAsync(RestCalls.Missions, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var detail = json.SingleDetail();
        Assert.Equal("json_invalid", (string?)detail["type"]);
        Assert.Equal(offset, (int)detail["loc"]![1]!);
        Assert.Equal(error, (string?)detail["ctx"]!["error"]);
    }

    [Fact]
    public async Task D8_a_huge_integer_in_metadata_gets_the_exactness_message()
    {
        var (status, json, _) = await Client.PostAsync(RestCalls.Missions, "{\"name\":\"x\",\"metadata\":{\"n\":" + new string('7', 401) + "}}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal("value_error", (string?)error["type"]);
        Assert.Equal(["body", "metadata"], error.Loc());
        Assert.Equal("Value error, integers beyond ±9007199254740992 (2^53) cannot be stored exactly; send them as strings", (string?)error["msg"]);
    }

    [Fact]
    public async Task An_integer_longer_than_Python_reads_answers_400_as_FastAPI_does()
    {
        var (tooLong, json, _) = await Client.PostAsync(RestCalls.Missions, "{\"name\":\"x\",\"metadata\":{\"n\":-" + new string('9', 4301) + "}}");
        var (longest, _, _) = await Client.PostAsync(RestCalls.Missions, "{\"name\":\"x\",\"metadata\":{\"n\":-" + new string('9', 4300) + "}}");

        Assert.Equal(HttpStatusCode.BadRequest, tooLong);
        Assert.Equal("There was an error parsing the body", (string?)json!["detail"]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, longest); // read, then refused: beyond 2^53
    }

    [Fact]
    public async Task A_body_that_is_not_UTF_8_answers_400_as_FastAPI_does()
    {
        using var content = new ByteArrayContent([.. "{\"name\":\""u8, 0xFF, .. "\"}"u8]);
        content.Headers.ContentType = new("application/json");
        using var response = await Client.PostAsync(RestCalls.Missions, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("""{"detail":"There was an error parsing the body"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_UTF_16_body_is_read_as_Python_reads_it()
    {
        using var content = new ByteArrayContent(Encoding.Unicode.GetBytes("""{"name":"utf-16 mission"}"""));
        content.Headers.ContentType = new("application/json");
        using var response = await Client.PostAsync(RestCalls.Missions, content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("utf-16 mission", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!["name"]);
    }

    [Fact]
    public async Task A_bad_path_id_is_reported_with_a_bad_body()
    {
        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, RestCalls.Missions + "/not-a-uuid/runs/0193a5a0-0000-7000-8000-00000000000g/plan", "[]");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var found = json!["detail"]!.AsArray().Select(e => ((string)e!["type"]!, string.Join("/", e.Loc()), (string)e["msg"]!)).ToHashSet();
        Assert.Equal(
            new HashSet<(string, string, string)>
            {
                ("uuid_parsing", "path/mission_id", "Input should be a valid UUID, invalid character: found `n` at 1"),
                ("uuid_parsing", "path/run_id", "Input should be a valid UUID, invalid character: found `g` at 36"),
                ("model_attributes_type", "body", "Input should be a valid dictionary or object to extract fields from"),
            },
            found);
    }

    [Theory]
    [InlineData("PAGE[SIZE]=0", HttpStatusCode.OK)]
    [InlineData("page.size=0", HttpStatusCode.OK)]
    [InlineData("page[size=0", HttpStatusCode.OK)]
    [InlineData("page[size]=1_0", HttpStatusCode.OK)]
    [InlineData("page[size]=%204.0%20", HttpStatusCode.OK)]
    [InlineData("page[size]=0x10", HttpStatusCode.UnprocessableEntity)]
    public async Task Query_names_and_values_are_read_as_Starlette_and_pydantic_read_them(string query, HttpStatusCode expected)
    {
        var (status, _, _) = await Client.SendAsync(HttpMethod.Get, RestCalls.Missions + "?" + query);
        Assert.Equal(expected, status);
    }
}
