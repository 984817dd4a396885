using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Processes;

/// <summary>
/// <c>Idempotency-Key</c> on the real server: a keyed write acknowledged just before the process is SIGKILLed is
/// replayed, not applied again, when the client retries after the restart — the key was committed with the write.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class IdempotencyProcessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static async Task<(HttpStatusCode Status, string Body, bool Replayed)> CreateAsync(ServerProcess server, string key)
    {
        using var client = server.Rest();
        var (status, body, response) = await client.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"survives a kill"}""", key);
        return (status, body, response.Replayed());
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

    [Fact]
    public async Task The_sdks_own_retry_after_a_lost_answer_gets_the_first_answer_and_nothing_is_stored_twice()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db);
        using var proxy = new DroppingProxy(server.RestUrl);

        var result = await TelnyxSdkTests.RunHarnessAsync("retry-after-drop.mjs", proxy.Url);

        output.WriteLine($"dropped {proxy.Dropped}: {result.ToJsonString()}");
        // Four keyed writes, each answered once to the server but lost, then retried by the SDK.
        Assert.Equal(4, proxy.Dropped);
        Assert.Equal(8, (int)result["requests"]!);
        var rest = server.Rest();
        var missionId = (string)result["mission_id"]!;
        var (_, missions, _) = await rest.SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.Equal(1, (int)missions!["meta"]!["total_results"]!);
        Assert.Equal(missionId, (string?)missions["data"]![0]!["mission_id"]);
        var (_, runs, _) = await rest.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs");
        Assert.Equal(1, (int)runs!["meta"]!["total_results"]!);
        Assert.Equal((string?)result["run_id"], (string?)runs["data"]![0]!["run_id"]);
        var (_, plan, _) = await rest.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs/{result["run_id"]}/plan");
        Assert.Equal(["s1"], plan!["data"]!.AsArray().Select(s => (string)s!["step_id"]!));
        Assert.Equal(["s1"], result["plan_steps"]!.AsArray().Select(s => (string)s!));
        var (_, tools, _) = await rest.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/tools");
        Assert.Equal([(string)result["tool_id"]!], tools!["data"]!.AsArray().Select(t => (string)t!["tool_id"]!));
        Assert.Empty(server.ErrorLines());
    }
}
