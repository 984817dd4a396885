using System.Net;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.MissionsApi;

/// <summary>List, get, update, delete and clone of missions, as a REST caller sees them.</summary>
public sealed class MissionsResourceRestTests : AppTest
{
    private const string Missions = "/v2/ai/missions";
    private static readonly string[] MissionKeys = ["mission_id", "name", "execution_mode", "created_at", "updated_at"];
    private HttpClient Client => field ??= App.Rest();

    private async Task<JsonNode> CreateAsync(string body, HttpClient? client = null)
    {
        var (status, json, _) = await (client ?? Client).PostAsync(Missions, body);
        Assert.Equal(HttpStatusCode.Created, status);
        return json!["data"]!;
    }

    private async Task<List<string>> CreateManyAsync(int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((string)(await CreateAsync($$"""{"name":"m{{i}}"}"""))["mission_id"]!);
        }
        return ids;
    }

    private async Task<(HttpStatusCode Status, JsonNode? Json)> GetAsync(string path, HttpClient? client = null)
    {
        var response = await (client ?? Client).GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static string[] Ids(JsonNode? list) => list!["data"]!.AsArray().Select(m => (string)m!["mission_id"]!).ToArray();

    private static string Meta(JsonNode? list) => list!["meta"]!.ToJsonString();

    // ---- list ----

    [Fact]
    public async Task Empty_list_has_zero_pages_and_exact_meta()
    {
        var (status, json) = await GetAsync(Missions);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["data", "meta"], json.Keys());
        Assert.Equal("[]", json!["data"]!.ToJsonString());
        Assert.Equal("""{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}""", Meta(json));
    }

    [Fact]
    public async Task Pages_walk_the_list_newest_first_and_past_the_end_is_empty()
    {
        var ids = await CreateManyAsync(7);
        var newestFirst = Enumerable.Reverse(ids).ToArray();

        var (_, first) = await GetAsync($"{Missions}?page[number]=1&page[size]=3");
        var (_, middle) = await GetAsync($"{Missions}?page%5Bnumber%5D=2&page%5Bsize%5D=3");
        var (_, last) = await GetAsync($"{Missions}?page[size]=3&page[number]=3");
        var (status, past) = await GetAsync($"{Missions}?page[number]=4&page[size]=3");

        Assert.Equal(newestFirst[..3], Ids(first));
        Assert.Equal(newestFirst[3..6], Ids(middle));
        Assert.Equal(newestFirst[6..], Ids(last));
        Assert.Equal("""{"page_number":1,"page_size":3,"total_pages":3,"total_results":7}""", Meta(first));
        Assert.Equal("""{"page_number":3,"page_size":3,"total_pages":3,"total_results":7}""", Meta(last));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(Ids(past));
        Assert.Equal("""{"page_number":4,"page_size":3,"total_pages":3,"total_results":7}""", Meta(past));
        Assert.Equal(Json.Sorted(MissionKeys), first!["data"]![0].Keys());
    }

    [Fact]
    public async Task Size_one_and_size_one_thousand_and_the_default_of_twenty()
    {
        var ids = await CreateManyAsync(25);

        var (_, one) = await GetAsync($"{Missions}?page[size]=1&page[number]=25");
        Assert.Equal([ids[0]], Ids(one));
        Assert.Equal("""{"page_number":25,"page_size":1,"total_pages":25,"total_results":25}""", Meta(one));

        var (_, all) = await GetAsync($"{Missions}?page[size]=1000");
        Assert.Equal(Enumerable.Reverse(ids), Ids(all));
        Assert.Equal("""{"page_number":1,"page_size":1000,"total_pages":1,"total_results":25}""", Meta(all));

        var (_, byDefault) = await GetAsync($"{Missions}?page[number]=2");
        Assert.Equal(5, Ids(byDefault).Length);
        Assert.Equal("""{"page_number":2,"page_size":20,"total_pages":2,"total_results":25}""", Meta(byDefault));
    }

    [Theory]
    [InlineData("page[size]=0", "page[size]", "greater_than", "Input should be greater than 0", "0")]
    [InlineData("page%5Bsize%5D=-1", "page[size]", "greater_than", "Input should be greater than 0", "-1")]
    [InlineData("page[size]=1001", "page[size]", "less_than_equal", "Input should be less than or equal to 1000", "1001")]
    [InlineData("page[size]=99999999999", "page[size]", "less_than_equal", "Input should be less than or equal to 1000", "99999999999")]
    [InlineData("page[size]=abc", "page[size]", "int_parsing", "Input should be a valid integer, unable to parse string as an integer", "abc")]
    [InlineData("page[size]=1.5", "page[size]", "int_parsing", "Input should be a valid integer, unable to parse string as an integer", "1.5")]
    [InlineData("page[size]=", "page[size]", "int_parsing", "Input should be a valid integer, unable to parse string as an integer", "")]
    [InlineData("page[number]=0", "page[number]", "greater_than_equal", "Input should be greater than or equal to 1", "0")]
    [InlineData("page%5Bnumber%5D=-5", "page[number]", "greater_than_equal", "Input should be greater than or equal to 1", "-5")]
    [InlineData("page[number]=x", "page[number]", "int_parsing", "Input should be a valid integer, unable to parse string as an integer", "x")]
    public async Task Invalid_page_values_answer_422_at_their_query_name(string query, string name, string type, string msg, string input)
    {
        var (status, json) = await GetAsync($"{Missions}?{query}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(["query", name], error.Loc());
        Assert.Equal(msg, (string?)error["msg"]);
        Assert.Equal(input, (string?)error["input"]);
    }

    [Theory]
    [InlineData("page=3", 1, 20)]
    [InlineData("unknown=1&page[colour]=red", 1, 20)]
    [InlineData("page.size=2000&page.size=5", 1, 20)] // not the API's name: ignored, as FastAPI ignores it
    [InlineData("page[size]=2000&page%5bsize%5d=4", 1, 4)]
    [InlineData("page[number]=99999999999", int.MaxValue, 20)]
    public async Task Odd_but_valid_queries_answer_200(string query, int pageNumber, int pageSize)
    {
        await CreateManyAsync(2);
        var (status, json) = await GetAsync($"{Missions}?{query}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(pageNumber, (int)json!["meta"]!["page_number"]!);
        Assert.Equal(pageSize, (int)json["meta"]!["page_size"]!);
        Assert.Equal(2, (int)json["meta"]!["total_results"]!);
    }

    [Fact]
    public async Task Both_invalid_page_values_are_reported_together()
    {
        var (status, json) = await GetAsync($"{Missions}?page[number]=0&page[size]=0");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(
            ["query.page[number] greater_than_equal", "query.page[size] greater_than"],
            json!["detail"]!.AsArray().Select(e => $"{string.Join('.', e!.Loc())} {(string?)e!["type"]}"));
    }

    [Fact]
    public async Task Lists_show_only_the_callers_organization()
    {
        await CreateManyAsync(3);
        var other = App.Rest(TestKeys.KeyB);
        await CreateAsync("""{"name":"b"}""", other);

        var (_, a) = await GetAsync(Missions);
        var (_, b) = await GetAsync(Missions, other);
        Assert.Equal(3, Ids(a).Length);
        Assert.Equal("""{"page_number":1,"page_size":20,"total_pages":1,"total_results":3}""", Meta(a));
        Assert.Single(Ids(b));
        Assert.Equal("""{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}""", Meta(b));
    }

    // ---- get ----

    [Fact]
    public async Task Get_returns_the_mission_with_empty_attachment_lists()
    {
        var created = await CreateAsync("""{"name":"g","model":"m","metadata":{"k":[1]}}""");
        var (status, json) = await GetAsync($"{Missions}/{created["mission_id"]}");

        Assert.Equal(HttpStatusCode.OK, status);
        var data = json!["data"]!;
        Assert.Equal(Json.Sorted([.. MissionKeys, "model", "metadata", "tools", "knowledge_bases", "mcp_servers"]), data.Keys());
        foreach (var key in new[] { "tools", "knowledge_bases", "mcp_servers" })
        {
            Assert.Equal("[]", data[key]!.ToJsonString());
            data.AsObject().Remove(key);
        }
        Assert.True(JsonNode.DeepEquals(created, data), data.ToJsonString());
    }

    [Fact]
    public async Task Every_uuid_form_pydantic_accepts_names_the_mission()
    {
        var id = Guid.Parse((string)(await CreateAsync("""{"name":"forms"}"""))["mission_id"]!);
        foreach (var form in new[] { id.ToString("N"), id.ToString("B"), "urn:uuid:" + id, id.ToString().ToUpperInvariant() })
        {
            var (status, json) = await GetAsync($"{Missions}/{Uri.EscapeDataString(form)}");
            Assert.True(status == HttpStatusCode.OK, form);
            Assert.Equal(id.ToString(), (string?)json!["data"]!["mission_id"]);
        }
    }

    [Fact]
    public async Task Unknown_id_is_404_and_a_malformed_one_is_422()
    {
        var (status, json) = await GetAsync($"{Missions}/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("""{"detail":"Mission not found"}""", json!.ToJsonString());

        var (badStatus, bad) = await GetAsync($"{Missions}/not-a-uuid");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badStatus);
        var error = bad.SingleDetail();
        Assert.Equal("uuid_parsing", (string?)error["type"]);
        Assert.Equal(["path", "mission_id"], error.Loc());
        Assert.Equal("not-a-uuid", (string?)error["input"]);
        Assert.StartsWith("Input should be a valid UUID, invalid character", (string?)error["msg"]);

        var (shortStatus, shortOne) = await GetAsync($"{Missions}/abc");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, shortStatus);
        Assert.Equal("Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3",
            (string?)shortOne.SingleDetail()["msg"]);
    }

    // ---- update ----

    [Fact]
    public async Task Update_merges_present_fields_and_advances_updated_at()
    {
        var created = await CreateAsync("""{"name":"before","description":"d","model":"m1","metadata":{"a":1,"b":2}}""");
        var id = (string)created["mission_id"]!;

        var response = await Client.PutAsync($"{Missions}/{id}",
            Json.Body("""{"model":"m2","execution_mode":"managed","metadata":{"c":3},"name":null}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!;

        Assert.Equal(Json.Sorted([.. MissionKeys, "description", "model", "metadata"]), data.Keys());
        Assert.Equal("before", (string?)data["name"]);
        Assert.Equal("d", (string?)data["description"]);
        Assert.Equal("m2", (string?)data["model"]);
        Assert.Equal("managed", (string?)data["execution_mode"]);
        Assert.Equal("""{"c":3}""", data["metadata"]!.ToJsonString());
        Assert.Equal((string?)created["created_at"], (string?)data["created_at"]);
        Assert.True(DateTimeOffset.Parse((string)data["updated_at"]!) > DateTimeOffset.Parse((string)created["updated_at"]!));

        var (_, stored) = await GetAsync($"{Missions}/{id}");
        Assert.Equal("m2", (string?)stored!["data"]!["model"]);
    }

    [Fact]
    public async Task An_empty_update_still_advances_updated_at_but_no_body_is_422()
    {
        var created = await CreateAsync("""{"name":"x"}""");
        var id = (string)created["mission_id"]!;

        var response = await Client.PutAsync($"{Missions}/{id}", Json.Body("{}"));
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(DateTimeOffset.Parse((string)data["updated_at"]!) > DateTimeOffset.Parse((string)created["updated_at"]!));

        var noBody = await Client.PutAsync($"{Missions}/{id}", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noBody.StatusCode);
        var error = JsonNode.Parse(await noBody.Content.ReadAsStringAsync()).SingleDetail();
        Assert.Equal("missing", (string?)error["type"]);
        Assert.Equal(["body"], error.Loc());
    }

    [Theory]
    [InlineData(""" "not-a-uuid" """)]
    [InlineData("5")]
    [InlineData("{\"x\":1}")]
    public async Task A_mission_id_key_in_the_body_is_ignored_like_any_unknown_key(string value)
    {
        var a = (string)(await CreateAsync("""{"name":"a"}"""))["mission_id"]!;
        var b = (string)(await CreateAsync("""{"name":"b"}"""))["mission_id"]!;

        var response = await Client.PutAsync($"{Missions}/{a}", Json.Body($$"""{"mission_id":{{value.Replace("not-a-uuid", b)}},"name":"renamed"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!;
        Assert.Equal(a, (string?)data["mission_id"]);
        Assert.Equal("renamed", (string?)data["name"]);
        var (_, other) = await GetAsync($"{Missions}/{b}");
        Assert.Equal("b", (string?)other!["data"]!["name"]);
    }

    [Theory]
    [InlineData("""{"name":5}""", "string_type", "name")]
    [InlineData("""{"execution_mode":"MANAGED"}""", "enum", "execution_mode")]
    [InlineData("""{"metadata":[]}""", "dict_type", "metadata")]
    [InlineData("""{"model":false}""", "string_type", "model")]
    public async Task Update_validates_like_create(string body, string type, string field)
    {
        var id = (string)(await CreateAsync("""{"name":"x"}"""))["mission_id"]!;
        var response = await Client.PutAsync($"{Missions}/{id}", Json.Body(body));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync()).SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(["body", field], error.Loc());
    }

    [Fact]
    public async Task Update_of_an_unknown_or_malformed_id()
    {
        var unknown = await Client.PutAsync($"{Missions}/{Guid.NewGuid()}", Json.Body("""{"name":"x"}"""));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("""{"detail":"Mission not found"}""", await unknown.Content.ReadAsStringAsync());

        var malformed = await Client.PutAsync($"{Missions}/123", Json.Body("""{"name":5}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformed.StatusCode);
        var errors = JsonNode.Parse(await malformed.Content.ReadAsStringAsync())!["detail"]!.AsArray();
        Assert.Equal(["path.mission_id uuid_parsing", "body.name string_type"],
            errors.Select(e => $"{string.Join('.', e!.Loc())} {(string?)e!["type"]}"));
    }

    // ---- delete ----

    [Fact]
    public async Task Delete_answers_204_with_no_body_and_the_mission_is_gone()
    {
        var ids = await CreateManyAsync(2);

        var response = await Client.DeleteAsync($"{Missions}/{ids[0]}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Null(response.Content.Headers.ContentType);

        var (status, _) = await GetAsync($"{Missions}/{ids[0]}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var (_, list) = await GetAsync(Missions);
        Assert.Equal([ids[1]], Ids(list));
        Assert.Equal("""{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}""", Meta(list));

        var again = await Client.DeleteAsync($"{Missions}/{ids[0]}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("""{"detail":"Mission not found"}""", await again.Content.ReadAsStringAsync());

        var malformed = await Client.DeleteAsync($"{Missions}/nope");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformed.StatusCode);
    }

    // ---- clone ----

    [Fact]
    public async Task Clone_without_a_body_answers_201_with_a_new_mission_of_the_same_definition()
    {
        var original = await CreateAsync(
            """{"name":"orig","description":"d","model":"m","instructions":"i","execution_mode":"managed","metadata":{"x":[1,2]}}""");
        var id = (string)original["mission_id"]!;

        var response = await Client.PostAsync($"{Missions}/{id}/clone", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var clone = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!;

        Assert.Equal(original.Keys(), clone.Keys());
        Assert.NotEqual(id, (string?)clone["mission_id"]);
        foreach (var key in new[] { "name", "description", "model", "instructions", "execution_mode", "metadata" })
        {
            Assert.True(JsonNode.DeepEquals(original[key], clone[key]), key);
        }
        var (_, list) = await GetAsync(Missions);
        Assert.Equal([(string)clone["mission_id"]!, id], Ids(list));
    }

    [Theory]
    [InlineData("00000000-0000-7000-8000-000000000000")]
    [InlineData("not-a-uuid")]
    public async Task Clone_of_an_unknown_id_is_404_whatever_its_format(string id)
    {
        var response = await Client.PostAsync($"{Missions}/{id}/clone", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"detail":"Mission not found"}""", await response.Content.ReadAsStringAsync());
    }

    // ---- tenancy and durability ----

    [Fact]
    public async Task Another_organizations_mission_is_404_for_every_verb_and_stays_untouched()
    {
        var mine = await CreateAsync("""{"name":"mine"}""");
        var id = (string)mine["mission_id"]!;
        var other = App.Rest(TestKeys.KeyB);

        var responses = new[]
        {
            await other.GetAsync($"{Missions}/{id}"),
            await other.PutAsync($"{Missions}/{id}", Json.Body("""{"name":"stolen"}""")),
            await other.DeleteAsync($"{Missions}/{id}"),
            await other.PostAsync($"{Missions}/{id}/clone", null),
        };
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("""{"detail":"Mission not found"}""", await response.Content.ReadAsStringAsync());
        }
        var (_, stored) = await GetAsync($"{Missions}/{id}");
        Assert.Equal("mine", (string?)stored!["data"]!["name"]);
        Assert.Equal((string?)mine["updated_at"], (string?)stored["data"]!["updated_at"]);
        var (_, otherList) = await GetAsync(Missions, other);
        Assert.Empty(Ids(otherList));
    }

    [Fact]
    public async Task Missions_survive_a_restart()
    {
        using var db = new TempDatabase();
        string id;
        JsonNode before;
        await using (var first = new MissionsApp(db))
        {
            var client = first.Rest();
            var (_, created, _) = await client.PostAsync(Missions, """{"name":"keep","metadata":{"n":{"m":[true]}}}""");
            id = (string)created!["data"]!["mission_id"]!;
            await client.PutAsync($"{Missions}/{id}", Json.Body("""{"description":"updated"}"""));
            before = JsonNode.Parse(await client.GetStringAsync($"{Missions}/{id}"))!;
        }
        await using var second = new MissionsApp(db);
        var after = JsonNode.Parse(await second.Rest().GetStringAsync($"{Missions}/{id}"))!;
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        var list = JsonNode.Parse(await second.Rest().GetStringAsync(Missions))!;
        Assert.Equal("""{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}""", Meta(list));
    }
}
