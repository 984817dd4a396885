using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Hosting;

/// <summary>What every answer's headers say: never stored by a cache, never sniffed (no server banner: ServerProcessTests, over sockets).</summary>
public sealed class ResponseHeadersTests : AppTest
{
    [Theory]
    [InlineData("GET", RestCalls.Missions, TestKeys.KeyA, HttpStatusCode.OK)]
    [InlineData("POST", RestCalls.Missions, TestKeys.KeyA, HttpStatusCode.UnprocessableEntity)]
    [InlineData("GET", RestCalls.Missions, null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", RestCalls.Missions + "/00000000-0000-0000-0000-000000000000", TestKeys.KeyA, HttpStatusCode.NotFound)]
    [InlineData("GET", "/healthz", null, HttpStatusCode.OK)]
    public async Task Api_answers_are_not_stored_and_not_sniffed(string method, string path, string? key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = Json.Body("""{"name":5}""");
        }
        using var response = await App.Rest(key).SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }
}
