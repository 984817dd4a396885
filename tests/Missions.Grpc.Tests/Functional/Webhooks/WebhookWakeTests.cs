using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Webhooks;

/// <summary>A change's deliveries leave at once: the write that queued them wakes this process's dispatcher, which need not wait for its poll.</summary>
public sealed class WebhookWakeTests() : WebhookAppTest([("Webhooks:PollInterval", "00:01:00")])
{
    [Fact]
    public async Task A_run_change_is_delivered_long_before_the_next_poll()
    {
        await Client.CreateWebhookAsync(Receiver.Url, ""","event_types":["mission_run.created"]""");
        await Task.Delay(200); // the dispatcher's first round has run and it now waits for a minute

        var started = DateTime.UtcNow;
        await Client.StartRunAsync(await Client.NewMissionAsync("woken"));
        await Receiver.WaitAsync(r => r.Count == 1, TimeSpan.FromSeconds(10));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }
}
