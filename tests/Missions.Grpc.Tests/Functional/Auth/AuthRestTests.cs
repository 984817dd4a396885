using System.Net;
using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Auth;

/// <summary>Bearer authentication on the REST face.</summary>
public sealed class AuthRestTests : AppTest
{

    [Theory]
    [InlineData(null, null)]
    [InlineData("Bearer", "wrong-key")]
    [InlineData("Bearer", "")]
    [InlineData("Basic", TestKeys.KeyA)]
    [InlineData("Bearer", TestKeys.KeyA + "x")]
    public async Task Missing_or_unknown_key_answers_401_with_a_bearer_challenge(string? scheme, string? key)
    {
        var client = App.Rest(key: null);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v2/ai/missions") { Content = Json.Body("""{"name":"x"}""") };
        if (scheme is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {key}".Trim());
        }
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["detail"], json.Keys());
        Assert.False(string.IsNullOrEmpty((string?)json!["detail"]));
        Assert.DoesNotContain(TestKeys.KeyA, (string?)json["detail"]);
    }

    [Fact]
    public async Task A_rest_call_labelled_as_grpc_still_gets_the_rest_401()
    {
        var response = await App.Rest(key: null).PostAsync("/v2/ai/missions", Json.Body("{}", "application/grpc"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Routing_answers_need_no_key_as_in_fastapi()
    {
        var client = App.Rest(key: null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.PatchAsync("/v2/ai/missions", Json.Body("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v2/ai/elsewhere")).StatusCode);
    }

    [Fact]
    public async Task Authentication_is_checked_before_the_body()
    {
        var client = App.Rest(key: "wrong-key");
        var (status, _, _) = await client.PostAsync("/v2/ai/missions", "{not json");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Health_endpoint_needs_no_key()
    {
        var response = await App.Rest(key: null).GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Each_key_acts_for_its_own_organization()
    {
        var (_, a, _) = await App.Rest(TestKeys.KeyA).PostAsync("/v2/ai/missions", """{"name":"a"}""");
        var (_, b, _) = await App.Rest(TestKeys.KeyB).PostAsync("/v2/ai/missions", """{"name":"b"}""");
        var idA = Guid.Parse((string)a!["data"]!["mission_id"]!);
        var idB = Guid.Parse((string)b!["data"]!["mission_id"]!);

        Assert.Equal("a", (await App.Store.GetMissionAsync(TestKeys.OrgA, idA)).Name);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => App.Store.GetMissionAsync(TestKeys.OrgB, idA));
        Assert.Equal("b", (await App.Store.GetMissionAsync(TestKeys.OrgB, idB)).Name);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => App.Store.GetMissionAsync(TestKeys.OrgA, idB));
    }
}
