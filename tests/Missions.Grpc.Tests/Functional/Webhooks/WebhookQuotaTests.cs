using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Webhooks;

/// <summary>
/// An endpoint that does not answer cannot grow an organization's outbox without bound: past
/// <c>Quotas:MaxPendingDeliveriesPerOrganization</c> a change that would queue more is refused (and not written), other
/// organizations are unaffected, and delivered deliveries make room again.
/// </summary>
public sealed class WebhookQuotaTests() : WebhookAppTest([("Quotas:MaxPendingDeliveriesPerOrganization", "2"), .. Enumerable.Range(1, 9).Select(i => ($"Webhooks:RetrySchedule:{i}", (string?)"00:00:00.5"))])
{
    [Fact]
    public async Task Past_the_pending_deliveries_quota_a_run_change_is_refused_until_deliveries_make_room()
    {
        var client = App.Rest();
        await client.CreateWebhookAsync(Receiver.Url, ""","event_types":["mission_run.created"]""");
        await Receiver.StopAsync();
        var missionId = await client.NewMissionAsync("backlog");
        await client.StartRunAsync(missionId);
        await client.StartRunAsync(missionId);

        var (status, json, response) = await client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs", "{}");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("Quotas:MaxPendingDeliveriesPerOrganization", (string)json!["detail"]!);
        Assert.False(response.Headers.Contains("Retry-After"));
        var (_, runs, _) = await client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs");
        Assert.Equal(2, (int)runs!["meta"]!["total_results"]!); // refused: not written
        var other = App.Rest(TestKeys.KeyB);
        await other.StartRunAsync(await other.NewMissionAsync("unaffected"));

        await Receiver.StartAgainAsync();
        await Receiver.WaitAsync(r => r.Count == 2);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode again;
        do
        {
            await Task.Delay(50); // until the deliveries are recorded as delivered
            (again, _, _) = await client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs", "{}");
        }
        while (again == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Created, again);
    }
}
