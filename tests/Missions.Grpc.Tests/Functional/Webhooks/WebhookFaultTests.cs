using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Webhooks;

/// <summary>Receivers that are down or slow: deliveries wait on the schedule and arrive when the receiver answers again.</summary>
public sealed class WebhookFaultTests() : WebhookAppTest([("Webhooks:RetrySchedule:1", "00:00:01"), ("Webhooks:RetrySchedule:2", "00:00:01"), ("Webhooks:RetrySchedule:3", "00:00:01"), ("Webhooks:RetrySchedule:4", "00:00:01"), ("Webhooks:MaxConcurrentPerEndpoint", "1")])
{
    [Fact]
    public async Task A_receiver_down_for_a_while_gets_every_event_after_it_returns()
    {
        var webhookId = await Client.CreateWebhookAsync(Receiver.Url, ""","event_types":["mission_run.created"]""");
        await Receiver.StopAsync();
        var missionId = await Client.NewMissionAsync("while down");
        for (var i = 0; i < 3; i++)
        {
            await Client.StartRunAsync(missionId);
        }

        var waiting = await Client.DeliveriesAsync(webhookId, d => d.Count == 3 && d.All(x => (int)x!["attempts"]! >= 2));
        Assert.All(waiting, d =>
        {
            Assert.Equal("pending", (string)d!["status"]!);
            Assert.Null(d["last_status_code"]);
            Assert.False(string.IsNullOrEmpty((string?)d["last_error"])); // no answer: why it failed
            Assert.NotNull(d["next_attempt_at"]);
        });
        await Receiver.StartAgainAsync();

        var received = await Receiver.WaitAsync(r => r.Count == 3);
        Assert.Equal(3, received.Select(r => (string)r.Json["data"]!["payload"]!["run_id"]!).Distinct().Count());
        await Client.DeliveriesAsync(webhookId, d => d.All(x => (string)x!["status"]! == "succeeded"));
    }

    [Fact]
    public async Task A_slow_endpoint_holds_only_its_own_slots_and_another_endpoint_is_delivered_meanwhile()
    {
        await using var fast = await WebhookReceiver.StartAsync();
        Receiver.Delay = TimeSpan.FromSeconds(1.5); // under the 2 s timeout: slow, not failing
        await Client.CreateWebhookAsync(Receiver.Url, ""","event_types":["mission_run.created"]""");
        await Client.CreateWebhookAsync(fast.Url, ""","event_types":["mission_run.created"]""");
        var missionId = await Client.NewMissionAsync("busy");
        var started = DateTime.UtcNow;
        for (var i = 0; i < 4; i++)
        {
            await Client.StartRunAsync(missionId);
        }

        await fast.WaitAsync(r => r.Count == 4, TimeSpan.FromSeconds(10));
        var fastDone = DateTime.UtcNow - started;
        Assert.True(Receiver.Requests.Count <= 1, $"the slow endpoint, one at a time, has answered at most once by now ({Receiver.Requests.Count})");
        Assert.True(fastDone < TimeSpan.FromSeconds(1.5), $"the fast endpoint waited for the slow one ({fastDone})");
        await Receiver.WaitAsync(r => r.Count == 4, TimeSpan.FromSeconds(20));
    }
}
