using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Webhooks;

/// <summary>
/// An endpoint that does not answer cannot grow an organization's outbox without bound: past
/// <c>Quotas:MaxPendingDeliveriesPerOrganization</c> a change that would queue more is refused (and not written), other
/// organizations are unaffected, and delivered deliveries make room again.
/// </summary>
public sealed class WebhookQuotaTests : IAsyncLifetime
{
    private readonly MissionsApp _app = new(settings: WebhookTestApp.Settings(
        ("Quotas:MaxPendingDeliveriesPerOrganization", "2"),
        ("Webhooks:RetrySchedule:1", "00:00:00.5"), ("Webhooks:RetrySchedule:2", "00:00:00.5"), ("Webhooks:RetrySchedule:3", "00:00:00.5"),
        ("Webhooks:RetrySchedule:4", "00:00:00.5"), ("Webhooks:RetrySchedule:5", "00:00:00.5"), ("Webhooks:RetrySchedule:6", "00:00:00.5"),
        ("Webhooks:RetrySchedule:7", "00:00:00.5"), ("Webhooks:RetrySchedule:8", "00:00:00.5"), ("Webhooks:RetrySchedule:9", "00:00:00.5")));
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Past_the_pending_deliveries_quota_a_run_change_is_refused_until_deliveries_make_room()
    {
        var client = _app.Rest();
        await client.CreateWebhookAsync(_receiver.Url, ""","event_types":["mission_run.created"]""");
        await _receiver.StopAsync();
        var missionId = await client.NewMissionAsync("backlog");
        await client.StartRunAsync(missionId);
        await client.StartRunAsync(missionId);

        var (status, json, response) = await client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs", "{}");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("Quotas:MaxPendingDeliveriesPerOrganization", (string)json!["detail"]!);
        Assert.False(response.Headers.Contains("Retry-After"));
        var (_, runs, _) = await client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs");
        Assert.Equal(2, (int)runs!["meta"]!["total_results"]!); // refused: not written
        var other = _app.Rest(TestKeys.KeyB);
        await other.StartRunAsync(await other.NewMissionAsync("unaffected"));

        await _receiver.StartAgainAsync();
        await _receiver.WaitAsync(r => r.Count == 2);
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
