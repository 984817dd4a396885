using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Processes;

/// <summary>
/// <c>Idempotency-Key</c> on the real server: a keyed write acknowledged just before the process is SIGKILLed is
/// replayed, not applied again, when the client retries after the restart — the key was committed with the write.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class IdempotencyProcessTests
{
    private static async Task<(HttpStatusCode Status, string Body, bool Replayed)> CreateAsync(ServerProcess server, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, RestCalls.Missions) { Content = Json.Body("""{"name":"survives a kill"}""") };
        request.Headers.Add("Idempotency-Key", key);
        using var client = server.Rest();
        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(),
            response.Headers.TryGetValues("idempotent-replayed", out var v) && v.Single() == "true");
    }

    [Fact]
    public async Task A_keyed_write_acknowledged_before_a_sigkill_is_replayed_after_the_restart()
    {
        using var db = new TempDatabase();
        var key = Guid.NewGuid().ToString();
        (HttpStatusCode Status, string Body, bool Replayed) first;
        await using (var server = await ServerProcess.StartAsync(db))
        {
            first = await CreateAsync(server, key);
            await server.KillAsync();
        }
        await using var restarted = await ServerProcess.StartAsync(db);
        var retry = await CreateAsync(restarted, key);
        var (_, list, _) = await restarted.Rest().SendAsync(HttpMethod.Get, RestCalls.Missions);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.Equal(first.Body, retry.Body);
        Assert.True(retry.Replayed);
        Assert.Equal(1, (int)list!["meta"]!["total_results"]!);
    }
}
