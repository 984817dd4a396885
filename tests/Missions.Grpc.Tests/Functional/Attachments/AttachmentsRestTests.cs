using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Attachments;

/// <summary>Tools, knowledge bases and MCP servers as a REST caller sees them: every operation for every kind.</summary>
public sealed class AttachmentsRestTests : AppTest
{
    private HttpClient Client => field ??= App.Rest();

    /// <summary>Each kind: its route segment, its id key, and how its 404 names it.</summary>
    public static TheoryData<string, string, string> Kinds() => new()
    {
        { "tools", "tool_id", "Tool" },
        { "knowledge-bases", "knowledge_base_id", "Knowledge base" },
        { "mcp-servers", "mcp_server_id", "MCP server" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Create_with_no_body_or_an_object_then_get_list_replace_and_delete(string route, string idKey, string noun)
    {
        var missionId = await Client.NewMissionAsync();
        var items = $"{RestCalls.Missions}/{missionId}/{route}";

        var (bareStatus, bare, bareResponse) = await Client.SendAsync(HttpMethod.Post, items); // the SDK sends no body
        var (chosenStatus, chosen, _) = await Client.SendAsync(HttpMethod.Post, items,
            $$"""{"{{idKey}}":"my-item","name":"First","config":{"depth":2,"tags":["a"]},"mission_id":"ignored","created_at":"ignored"}""");
        var (generatedStatus, generated, _) = await Client.SendAsync(HttpMethod.Post, items, $$"""{"{{idKey}}":42,"name":"numbered"}""");

        Assert.Equal(HttpStatusCode.Created, bareStatus);
        Assert.Equal("application/json", bareResponse.Content.Headers.ContentType!.MediaType);
        var bareItem = bare!["data"]!;
        Assert.Equal(Json.Sorted(idKey, "mission_id", "created_at", "updated_at"), bareItem.Keys());
        Assert.Equal(7, Guid.Parse((string)bareItem[idKey]!).Version);
        Assert.Equal(missionId, (string?)bareItem["mission_id"]);
        Assert.Equal((string?)bareItem["created_at"], (string?)bareItem["updated_at"]);
        Assert.Equal(HttpStatusCode.Created, chosenStatus);
        var item = chosen!["data"]!;
        Assert.Equal("my-item", (string?)item[idKey]);
        Assert.Equal(missionId, (string?)item["mission_id"]);
        Assert.NotEqual("ignored", (string?)item["created_at"]);
        Assert.Equal("""{"depth":2,"tags":["a"]}""", item["config"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, generatedStatus);
        Assert.NotEqual("42", generated!["data"]![idKey]!.ToJsonString()); // not a string: an id is generated
        Assert.Equal("numbered", (string?)generated["data"]!["name"]);

        var (getStatus, got, _) = await Client.SendAsync(HttpMethod.Get, $"{items}/my-item");
        var (_, list, _) = await Client.SendAsync(HttpMethod.Get, items);
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.Equal(item.ToJsonString(), got!["data"]!.ToJsonString());
        Assert.Equal(["data"], list.Keys());
        Assert.Equal([(string)bareItem[idKey]!, "my-item", (string)generated["data"]![idKey]!],
            list!["data"]!.AsArray().Select(i => (string)i![idKey]!));

        var (replaceStatus, replaced, _) = await Client.SendAsync(HttpMethod.Put, $"{items}/my-item", $$"""{"name":"Second","{{idKey}}":"renamed?"}""");
        var (emptyStatus, emptied, _) = await Client.SendAsync(HttpMethod.Put, $"{items}/{bareItem[idKey]}"); // no body: {}
        Assert.Equal(HttpStatusCode.OK, replaceStatus);
        var after = replaced!["data"]!;
        Assert.Equal(Json.Sorted(idKey, "mission_id", "name", "created_at", "updated_at"), after.Keys()); // config is gone: replaced
        Assert.Equal("my-item", (string?)after[idKey]);
        Assert.Equal("Second", (string?)after["name"]);
        Assert.Equal((string?)item["created_at"], (string?)after["created_at"]);
        Assert.True(DateTime.Parse((string)after["updated_at"]!) > DateTime.Parse((string)item["updated_at"]!));
        Assert.Equal(HttpStatusCode.OK, emptyStatus);
        Assert.Equal(Json.Sorted(idKey, "mission_id", "created_at", "updated_at"), emptied!["data"]!.Keys());

        var (deleteStatus, deleteBody, _) = await Client.SendAsync(HttpMethod.Delete, $"{items}/my-item");
        var (againStatus, again, _) = await Client.SendAsync(HttpMethod.Delete, $"{items}/my-item");
        var (goneStatus, gone, _) = await Client.SendAsync(HttpMethod.Get, $"{items}/my-item");
        var (putGoneStatus, _, _) = await Client.SendAsync(HttpMethod.Put, $"{items}/my-item", "{}");
        Assert.Equal(HttpStatusCode.NoContent, deleteStatus);
        Assert.Null(deleteBody);
        Assert.Equal(HttpStatusCode.NotFound, againStatus);
        Assert.Equal($$"""{"detail":"{{noun}} not found"}""", again!.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, goneStatus);
        Assert.Equal($$"""{"detail":"{{noun}} not found"}""", gone!.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, putGoneStatus);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Bad_bodies_duplicates_and_unknown_missions(string route, string idKey, string noun)
    {
        var missionId = await Client.NewMissionAsync();
        var items = $"{RestCalls.Missions}/{missionId}/{route}";
        await Client.SendAsync(HttpMethod.Post, items, $$"""{"{{idKey}}":"taken"}""");

        var duplicate = await Client.SendAsync(HttpMethod.Post, items, $$"""{"{{idKey}}":"taken","other":true}""");
        var array = await Client.SendAsync(HttpMethod.Post, items, "[1,2]");
        var text = await Client.SendAsync(HttpMethod.Put, $"{items}/taken", "\"text\"");
        var emptyId = await Client.SendAsync(HttpMethod.Post, items, $$"""{"{{idKey}}":""}""");
        var broken = await Client.SendAsync(HttpMethod.Post, items, """{"a":""");
        var unknownMission = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{Guid.CreateVersion7()}/{route}");
        var notAnId = await Client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/not-a-uuid/{route}", "{}");

        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Equal($"{noun} 'taken' already exists in this mission", (string?)duplicate.Json!["detail"]);
        Assert.Equal(["false"], duplicate.Response.Headers.GetValues("x-should-retry"));
        foreach (var (status, json, _) in new[] { array, text })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            Assert.Equal("dict_type", (string?)json.SingleDetail()["type"]);
            Assert.Equal(["body"], json.SingleDetail().Loc());
        }
        Assert.Equal("string_too_short", (string?)emptyId.Json.SingleDetail()["type"]);
        Assert.Equal(["body", idKey], emptyId.Json.SingleDetail().Loc());
        Assert.Equal("json_invalid", (string?)broken.Json.SingleDetail()["type"]);
        Assert.Equal((HttpStatusCode.NotFound, """{"detail":"Mission not found"}"""), (unknownMission.Status, unknownMission.Json!.ToJsonString()));
        Assert.Equal((HttpStatusCode.NotFound, """{"detail":"Mission not found"}"""), (notAnId.Status, notAnId.Json!.ToJsonString()));
        var (_, list, _) = await Client.SendAsync(HttpMethod.Get, items);
        Assert.Single(list!["data"]!.AsArray());
    }

    [Fact]
    public async Task Mission_get_lists_every_kind_clone_copies_with_new_ids_and_delete_removes_them()
    {
        var missionId = await Client.NewMissionAsync();
        var base_ = $"{RestCalls.Missions}/{missionId}";
        await Client.SendAsync(HttpMethod.Post, $"{base_}/tools", """{"tool_id":"crm","name":"CRM"}""");
        await Client.SendAsync(HttpMethod.Post, $"{base_}/tools", """{"name":"second tool"}""");
        await Client.SendAsync(HttpMethod.Post, $"{base_}/knowledge-bases", """{"knowledge_base_id":"faq","source":"s3://faq"}""");
        await Client.SendAsync(HttpMethod.Post, $"{base_}/mcp-servers", """{"url":"https://mcp.example"}""");

        var (_, mission, _) = await Client.SendAsync(HttpMethod.Get, base_);
        var (_, clone, _) = await Client.SendAsync(HttpMethod.Post, $"{base_}/clone");
        var cloneId = (string)clone!["data"]!["mission_id"]!;
        var (_, cloned, _) = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{cloneId}");

        var data = mission!["data"]!;
        Assert.Equal(["CRM", "second tool"], data["tools"]!.AsArray().Select(t => (string)t!["name"]!));
        Assert.Equal("crm", (string?)data["tools"]![0]!["tool_id"]);
        Assert.Equal("faq", (string?)data["knowledge_bases"]![0]!["knowledge_base_id"]);
        Assert.Equal("https://mcp.example", (string?)data["mcp_servers"]![0]!["url"]);
        Assert.Equal(Json.Sorted("mission_id", "name", "execution_mode", "created_at", "updated_at"), clone["data"]!.Keys()); // MissionData only
        var copy = cloned!["data"]!;
        Assert.Equal(["CRM", "second tool"], copy["tools"]!.AsArray().Select(t => (string)t!["name"]!));
        Assert.All(copy["tools"]!.AsArray(), t => Assert.Equal(cloneId, (string?)t!["mission_id"]));
        Assert.DoesNotContain("crm", copy["tools"]!.AsArray().Select(t => (string)t!["tool_id"]!)); // new ids
        Assert.Equal("s3://faq", (string?)copy["knowledge_bases"]![0]!["source"]);
        Assert.Single(copy["mcp_servers"]!.AsArray());

        var (deleted, _, _) = await Client.SendAsync(HttpMethod.Delete, base_);
        var (gone, _, _) = await Client.SendAsync(HttpMethod.Get, $"{base_}/tools/crm");
        var (_, cloneTools, _) = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{cloneId}/tools");
        Assert.Equal(HttpStatusCode.NoContent, deleted);
        Assert.Equal(HttpStatusCode.NotFound, gone);
        Assert.Equal(2, cloneTools!["data"]!.AsArray().Count); // the clone's copies are its own
    }

    [Fact]
    public async Task Another_organization_sees_no_attachment_and_changes_none()
    {
        var missionId = await Client.NewMissionAsync();
        var tools = $"{RestCalls.Missions}/{missionId}/tools";
        await Client.SendAsync(HttpMethod.Post, tools, """{"tool_id":"mine"}""");
        var orgB = App.Rest(TestKeys.KeyB);

        var responses = new[]
        {
            await orgB.SendAsync(HttpMethod.Get, tools),
            await orgB.SendAsync(HttpMethod.Post, tools, "{}"),
            await orgB.SendAsync(HttpMethod.Get, $"{tools}/mine"),
            await orgB.SendAsync(HttpMethod.Put, $"{tools}/mine", """{"name":"hijacked"}"""),
            await orgB.SendAsync(HttpMethod.Delete, $"{tools}/mine"),
        };

        Assert.All(responses, r => Assert.Equal((HttpStatusCode.NotFound, """{"detail":"Mission not found"}"""), (r.Status, r.Json!.ToJsonString())));
        var (_, mine, _) = await Client.SendAsync(HttpMethod.Get, $"{tools}/mine");
        Assert.Null(mine!["data"]!["name"]);
    }
}
