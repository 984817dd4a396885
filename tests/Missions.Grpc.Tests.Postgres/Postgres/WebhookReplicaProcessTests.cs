using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>
/// Webhooks on replicas: every replica delivers, each delivery claimed by one replica at a time, and a replica killed
/// while it holds claims leaves them to the other once their lease ends.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class WebhookReplicaProcessTests(ITestOutputHelper output)
{
    private static Dictionary<string, string> Settings(string timeout = "00:00:02", string poll = "00:00:00.05") => new()
    {
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["Webhooks:PollInterval"] = poll,
        ["Webhooks:Timeout"] = timeout,
        ["Webhooks:RetrySchedule:0"] = "00:00:00.5",
    };

    private static string RunOf(WebhookReceiver.Received received) => (string)received.Json["data"]!["payload"]!["run_id"]!;

    [Fact]
    public async Task Two_replicas_deliver_every_event_once_between_them()
    {
        using var db = new TempDatabase();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var a = await ServerProcess.StartAsync(db, settings: Settings());
        await using var b = await ServerProcess.StartAsync(db, settings: Settings());
        await a.Rest().CreateWebhookAsync(receiver.Url, ""","event_types":["mission_run.created"]""");
        var missionId = await a.Rest().NewMissionAsync("replicated");

        var runs = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i => (string)(await (i % 2 == 0 ? a : b).Rest().StartRunAsync(missionId))["run_id"]!));

        var received = await receiver.WaitAsync(r => r.Select(RunOf).Distinct().Count() == runs.Length, TimeSpan.FromSeconds(60));
        await Task.Delay(500); // a second delivery of any of them would have arrived by now
        var events = receiver.Requests.Select(r => (string)r.Json["data"]!["id"]!).ToList();
        output.WriteLine($"{events.Count} requests for {runs.Length} events: {events.Count - events.Distinct().Count()} repeated");
        Assert.Equal(runs.Order(), receiver.Requests.Select(RunOf).Distinct().Order());
        Assert.Equal(events.Count, events.Distinct().Count()); // no replica died: none sent twice
        Assert.Empty(a.ErrorLines().Concat(b.ErrorLines()));
    }

    [Fact]
    public async Task A_replica_killed_while_holding_claims_leaves_them_to_the_other_after_the_lease()
    {
        using var db = new TempDatabase();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromSeconds(3); // attempts stay in flight long enough to be killed with them
        // The survivor runs from the start but looks for due deliveries only every 5 s: the doomed replica claims first.
        await using var survivor = await ServerProcess.StartAsync(db, settings: Settings(timeout: "00:00:04", poll: "00:00:05"));
        var doomed = await ServerProcess.StartAsync(db, settings: Settings(timeout: "00:00:04"));
        await doomed.Rest().CreateWebhookAsync(receiver.Url, ""","event_types":["mission_run.created"]""");
        var missionId = await doomed.Rest().NewMissionAsync("orphaned claims");
        var runs = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            runs.Add((string)(await doomed.Rest().StartRunAsync(missionId))["run_id"]!);
        }
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (receiver.Arrived == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        await doomed.KillAsync(); // with attempts in flight: claimed, never recorded
        var inFlight = receiver.Arrived - receiver.Requests.Count;
        await doomed.DisposeAsync();

        var received = await receiver.WaitAsync(r => r.Select(RunOf).Distinct().Count() == runs.Count, TimeSpan.FromSeconds(90));

        var events = receiver.Requests.Select(r => (string)r.Json["data"]!["id"]!).ToList();
        var repeated = events.Count - events.Distinct().Count();
        output.WriteLine($"{inFlight} attempts in flight at the kill; all {runs.Count} delivered, {repeated} twice");
        Assert.True(inFlight > 0, "the kill came while attempts were in flight");
        Assert.Equal(runs.Order(), received.Select(RunOf).Distinct().Order());
        Assert.InRange(repeated, 0, 4); // only the killed replica's attempts in flight (4 per endpoint at most) may repeat
        Assert.Empty(survivor.ErrorLines());
    }
}
