using System.Net;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Watch;

/// <summary>
/// An API key holds at most <c>Watch:MaxStreamsPerKey</c> watch streams open: one more answers REST 429 / gRPC
/// RESOURCE_EXHAUSTED naming the limit, another key is not affected, and a stream's slot is free again once it ends.
/// </summary>
public sealed class WatchLimitTests
{
    [Fact]
    public async Task A_key_holds_at_most_its_limit_of_open_watch_streams_on_either_face()
    {
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Watch:MaxStreamsPerKey"] = "2" });
        var rest = app.Rest();
        var (runPath, missionId, runId) = await rest.NewRunAsync();
        var first = await OpenAsync(rest, runPath);
        var watch = new RunWatchService.RunWatchServiceClient(app.GrpcChannel());
        using var second = watch.WatchRun(new WatchRunRequest { MissionId = missionId, RunId = runId }, Key(), DateTime.UtcNow.AddSeconds(60));
        Assert.True(await second.ResponseStream.MoveNext()); // open: its run snapshot came

        using (var refused = await rest.GetAsync(runPath + "/watch", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.False(refused.Headers.Contains("Retry-After")); // waiting does not help
            var detail = (string)System.Text.Json.Nodes.JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["detail"]!;
            Assert.Contains("Watch:MaxStreamsPerKey", detail);
            Assert.Contains("2", detail);
        }
        using (var refused = watch.WatchRun(new WatchRunRequest { MissionId = missionId, RunId = runId }, Key(), DateTime.UtcNow.AddSeconds(60)))
        {
            QuotaAnswers.AssertGrpc(await Assert.ThrowsAsync<RpcException>(() => refused.ResponseStream.MoveNext()), "Watch:MaxStreamsPerKey");
        }

        // Another key (another organization) is not affected.
        var other = app.Rest(TestKeys.KeyB);
        var (otherPath, _, _) = await other.NewRunAsync();
        using (await OpenAsync(other, otherPath))
        {
        }

        // A stream that ends gives its slot back.
        first.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode status2;
        do
        {
            using var again = await rest.GetAsync(runPath + "/watch", HttpCompletionOption.ResponseHeadersRead);
            status2 = again.StatusCode;
            if (status2 != HttpStatusCode.OK)
            {
                await Task.Delay(50); // the server sees the client go away a moment later
            }
        }
        while (status2 != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status2);
    }

    private static async Task<HttpResponseMessage> OpenAsync(HttpClient client, string runPath)
    {
        var response = await client.GetAsync(runPath + "/watch", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.NotNull(await lines.ReadLineAsync()); // its handler runs: the stream holds its slot
        return response;
    }
}
