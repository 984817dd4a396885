using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Processes;

/// <summary>
/// Webhook deliveries are durable: written with the change that causes them, so a server killed (SIGKILL) with deliveries
/// waiting and attempts in flight delivers every one of them after it starts again — at least once: an attempt the
/// receiver answered but the server had no time to record is sent again (its lease ended), and the test says how many.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class WebhookDurabilityTests(ITestOutputHelper output)
{
    private const int Runs = 40;
    private const int PerEndpoint = 4;

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["Webhooks:PollInterval"] = "00:00:00.05",
        ["Webhooks:Timeout"] = "00:00:01",
        ["Webhooks:MaxConcurrentPerEndpoint"] = "4",
        ["Webhooks:RetrySchedule:0"] = "00:00:00.5",
    };

    [Fact]
    public async Task Deliveries_waiting_and_in_flight_when_the_server_is_killed_are_all_delivered_after_it_restarts()
    {
        using var db = new TempDatabase();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(200); // slow: attempts are in flight when the kill comes
        var server = await ServerProcess.StartAsync(db, settings: Settings);
        try
        {
            using var client = server.Rest();
            await client.CreateWebhookAsync(receiver.Url);
            var missionId = await client.NewMissionAsync("killed");
            var runIds = new List<string>();
            for (var i = 0; i < Runs; i++)
            {
                runIds.Add((string)(await client.StartRunAsync(missionId))["run_id"]!); // acknowledged: its event will be delivered
            }
            await receiver.WaitAsync(r => r.Count >= 5);
            await server.KillAsync();
            var before = receiver.Requests.Count;

            await using var restarted = await ServerProcess.StartAsync(db, settings: Settings);
            var received = await receiver.WaitAsync(
                r => r.Select(x => (string)x.Json["data"]!["payload"]!["run_id"]!).Distinct().Count() == Runs, TimeSpan.FromSeconds(60));

            var events = received.Select(r => (string)r.Json["data"]!["id"]!).ToList();
            var duplicates = events.Count - events.Distinct().Count();
            output.WriteLine($"{before} of {Runs} delivered before the kill; after the restart all {Runs}, {duplicates} twice (answered, not yet recorded at the kill)");
            Assert.Equal(runIds.Order(), received.Select(r => (string)r.Json["data"]!["payload"]!["run_id"]!).Distinct().Order());
            Assert.InRange(duplicates, 0, PerEndpoint); // only attempts in flight at the kill can be repeated
            Assert.Empty(restarted.ErrorLines());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
