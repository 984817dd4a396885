using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Missions.Grpc.Telemetry;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Webhooks;

/// <summary>Webhook endpoints as a REST caller sees them, and what their receivers get: signed events in Telnyx's envelope.</summary>
public sealed class WebhooksRestTests() : WebhookAppTest()
{
    private const string Webhooks = "/v2/ai/mission-webhooks";

    [Fact]
    public async Task An_endpoint_is_created_listed_read_updated_and_deleted_in_the_api_shapes()
    {
        var missionId = await Client.NewMissionAsync("hooked");
        var (status, created, _) = await Client.SendAsync(HttpMethod.Post, Webhooks,
            $$"""{"url":"{{Receiver.Url}}","event_types":["mission_run.failed"],"mission_id":"{{missionId}}","description":"failures"}""");

        Assert.Equal(HttpStatusCode.Created, status);
        var data = created!["data"]!;
        Assert.Equal(["created_at", "description", "enabled", "event_types", "mission_id", "updated_at", "url", "webhook_id"],
            data.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(Receiver.Url, (string)data["url"]!);
        Assert.Equal(["mission_run.failed"], data["event_types"]!.AsArray().Select(t => (string)t!));
        Assert.True((bool)data["enabled"]!);
        var id = (string)data["webhook_id"]!;

        var (_, list, _) = await Client.SendAsync(HttpMethod.Get, $"{Webhooks}?page[size]=1");
        Assert.Equal(1, (int)list!["meta"]!["total_results"]!);
        Assert.Equal(id, (string)list["data"]![0]!["webhook_id"]!);

        var (patched, updated, _) = await Client.SendAsync(HttpMethod.Patch, $"{Webhooks}/{id}", """{"enabled":false,"mission_id":""}""");
        Assert.Equal(HttpStatusCode.OK, patched);
        Assert.False((bool)updated!["data"]!["enabled"]!);
        Assert.Null(updated["data"]!["mission_id"]);
        Assert.Equal(["mission_run.failed"], updated["data"]!["event_types"]!.AsArray().Select(t => (string)t!));

        var (got, read, _) = await Client.SendAsync(HttpMethod.Get, $"{Webhooks}/{id}");
        Assert.Equal(HttpStatusCode.OK, got);
        Assert.Equal(updated["data"]!.ToJsonString(), read!["data"]!.ToJsonString());

        var (deleted, _, response) = await Client.SendAsync(HttpMethod.Delete, $"{Webhooks}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var (gone, detail, _) = await Client.SendAsync(HttpMethod.Get, $"{Webhooks}/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone);
        Assert.Equal("Webhook not found", (string)detail!["detail"]!);
    }

    [Fact]
    public async Task A_create_retried_with_its_idempotency_key_is_replayed_and_stores_one_endpoint()
    {
        var body = $$"""{"url":"{{Receiver.Url}}"}""";

        var created = await Client.SendKeyedAsync(HttpMethod.Post, Webhooks, body, "hook-once");
        var replayed = await Client.SendKeyedAsync(HttpMethod.Post, Webhooks, body, "hook-once");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(HttpStatusCode.Created, replayed.Status);
        Assert.False(created.Response.Replayed());
        Assert.True(replayed.Response.Replayed());
        Assert.Equal(created.Body, replayed.Body);
        var (_, list, _) = await Client.SendAsync(HttpMethod.Get, Webhooks);
        Assert.Equal(1, (int)list!["meta"]!["total_results"]!);
    }

    [Theory]
    [InlineData("ftp://example.com/hook")]
    [InlineData("not a url")]
    [InlineData("https://user:secret@example.com/hook")]
    public async Task A_url_that_is_not_an_absolute_https_url_is_a_422_at_body_url(string url)
    {
        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, Webhooks, $$"""{"url":"{{url}}"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json!["detail"]![0]!;
        Assert.Equal("value_error", (string)error["type"]!);
        Assert.Equal(["body", "url"], error["loc"]!.AsArray().Select(l => (string)l!));
    }

    [Fact]
    public async Task An_unknown_event_type_and_a_missing_url_are_422s_in_fastapi_shape()
    {
        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, Webhooks, """{"url":"https://example.com/h","event_types":["mission_run.exploded"]}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["body", "event_types", "0"], json!["detail"]![0]!["loc"]!.AsArray().Select(l => l!.ToString()));

        var (missing, body, _) = await Client.SendAsync(HttpMethod.Post, Webhooks, "{}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing);
        Assert.Equal("missing", (string)body!["detail"]![0]!["type"]!);
    }

    [Fact]
    public async Task A_run_driven_through_its_statuses_arrives_signed_in_order_with_the_api_shapes()
    {
        var publicKey = await Client.PublicKeyAsync();
        Assert.Equal(32, Convert.FromBase64String(publicKey).Length);
        var webhookId = await Client.CreateWebhookAsync(Receiver.Url);
        var missionId = await Client.NewMissionAsync("pushed");
        var run = await Client.StartRunAsync(missionId);
        var runId = (string)run["run_id"]!;
        var (_, running, _) = await Client.SendAsync(HttpMethod.Patch, $"{RestCalls.Missions}/{missionId}/runs/{runId}", """{"status":"running"}""");
        var (_, step, _) = await Client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs/{runId}/plan",
            """{"steps":[{"step_id":"s1","description":"first","sequence":0}]}""");
        var (_, logged, _) = await Client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs/{runId}/events",
            """{"type":"status_change","summary":"working"}""");
        var (_, failed, _) = await Client.SendAsync(HttpMethod.Patch, $"{RestCalls.Missions}/{missionId}/runs/{runId}",
            """{"status":"failed","error":"boom"}""");

        string[] expected =
        [
            "mission_run.created", "mission_run.status_changed", "mission_run.plan_updated", "mission_run.event_logged",
            "mission_run.status_changed", "mission_run.failed",
        ];
        var received = (await Receiver.WaitAsync(r => r.Count >= expected.Length)).OrderBy(r => (long)r.Json["data"]!["change_number"]!).ToList();

        Assert.Equal(expected.Length, received.Count);
        Assert.All(received, r => Assert.True(r.Verifies(publicKey), "signature"));
        Assert.Equal(expected.Order(), received.Select(r => r.EventType).Order());
        var byType = received.GroupBy(r => r.EventType).ToDictionary(g => g.Key, g => g.Select(r => r.Json).ToList());
        Assert.Equal(run.ToJsonString(), byType["mission_run.created"][0]["data"]!["payload"]!.ToJsonString());
        Assert.Equal(running!["data"]!.ToJsonString(), byType["mission_run.status_changed"][0]["data"]!["payload"]!.ToJsonString());
        Assert.Equal(step!["data"]![0]!.ToJsonString(), byType["mission_run.plan_updated"][0]["data"]!["payload"]!.ToJsonString());
        Assert.Equal(logged!["data"]!.ToJsonString(), byType["mission_run.event_logged"][0]["data"]!["payload"]!.ToJsonString());
        Assert.Equal(failed!["data"]!.ToJsonString(), byType["mission_run.failed"][0]["data"]!["payload"]!.ToJsonString());
        // The status change and the outcome it raised are one change of the run: one number, two events.
        Assert.Equal((long)byType["mission_run.failed"][0]["data"]!["change_number"]!, (long)byType["mission_run.status_changed"][1]["data"]!["change_number"]!);
        Assert.Equal(0, (long)byType["mission_run.created"][0]["data"]!["change_number"]!);

        var first = received[0].Json;
        Assert.Equal(["data", "meta"], first.AsObject().Select(p => p.Key));
        Assert.Equal(["record_type", "id", "event_type", "occurred_at", "change_number", "payload"], first["data"]!.AsObject().Select(p => p.Key));
        Assert.Equal("event", (string)first["data"]!["record_type"]!);
        Assert.Equal(1, (int)first["meta"]!["attempt"]!);
        Assert.Equal(Receiver.Url, (string)first["meta"]!["delivered_to"]!);
        Assert.Equal("application/json", received[0].Headers["content-type"].Split(';')[0]);
        Assert.InRange(long.Parse(received[0].Headers["telnyx-timestamp"], System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        var deliveries = await Client.DeliveriesAsync(webhookId, d => d.Count == expected.Length && d.All(x => (string)x!["status"]! == "succeeded"));
        var delivery = deliveries[0]!;
        Assert.Equal(1, (int)delivery["attempts"]!);
        Assert.Equal(200, (int)delivery["last_status_code"]!);
        Assert.Equal(runId, (string)delivery["run_id"]!);
        Assert.Null(delivery["next_attempt_at"]);
    }

    [Fact]
    public async Task A_subscriber_to_failures_gets_only_failures_and_a_mission_filter_only_that_missions_runs()
    {
        var watched = await Client.NewMissionAsync("watched");
        var other = await Client.NewMissionAsync("other");
        await Client.CreateWebhookAsync(Receiver.Url, $$""","event_types":["mission_run.failed"],"mission_id":"{{watched}}" """);
        foreach (var missionId in new[] { watched, other })
        {
            foreach (var outcome in new[] { "succeeded", "failed" })
            {
                var runId = (string)(await Client.StartRunAsync(missionId))["run_id"]!;
                await Client.SendAsync(HttpMethod.Patch, $"{RestCalls.Missions}/{missionId}/runs/{runId}", """{"status":"running"}""");
                await Client.SendAsync(HttpMethod.Patch, $"{RestCalls.Missions}/{missionId}/runs/{runId}", $$"""{"status":"{{outcome}}"}""");
            }
        }

        var received = await Receiver.WaitAsync(r => r.Count >= 1);
        await Task.Delay(500); // anything else would have arrived by now (polled every 50 ms)
        var only = Assert.Single(Receiver.Requests);
        Assert.Equal("mission_run.failed", only.EventType);
        Assert.Equal(watched, (string)only.Json["data"]!["payload"]!["mission_id"]!);
    }

    [Fact]
    public async Task An_endpoint_that_answers_500_is_retried_on_the_schedule_and_every_attempt_is_recorded()
    {
        var meters = App.Services.GetRequiredService<IMeterFactory>();
        using var attempts = new MetricCollector<long>(meters, ApiTelemetry.Name, "missions.webhook.attempts");
        using var ended = new MetricCollector<long>(meters, ApiTelemetry.Name, "missions.webhook.deliveries");
        using var durations = new MetricCollector<double>(meters, ApiTelemetry.Name, "missions.webhook.attempt.duration");
        using var lag = new MetricCollector<double>(meters, ApiTelemetry.Name, "missions.webhook.delivery.lag");
        using var inFlight = new MetricCollector<long>(meters, ApiTelemetry.Name, "missions.webhook.in_flight");
        Receiver.Answer(500, 503);
        var webhookId = await Client.CreateWebhookAsync(Receiver.Url, ""","event_types":["mission_run.created"]""");
        await Client.StartRunAsync(await Client.NewMissionAsync("flaky"));

        var received = await Receiver.WaitAsync(r => r.Count >= 3);
        Assert.Equal([500, 503, 200], received.Select(r => r.AnsweredWith));
        Assert.Equal([1, 2, 3], received.Select(r => (int)r.Json["meta"]!["attempt"]!));
        Assert.Single(received.Select(r => (string)r.Json["data"]!["id"]!).Distinct()); // one event, three attempts
        var delivery = (await Client.DeliveriesAsync(webhookId, d => (string)d[0]!["status"]! == "succeeded"))[0]!;
        Assert.Equal(3, (int)delivery["attempts"]!);
        Assert.Equal(200, (int)delivery["last_status_code"]!);
        Assert.Equal(["http_error", "http_error", "success"], attempts.GetMeasurementSnapshot().Select(m => (string)m.Tags["result"]!));
        Assert.Equal(["succeeded"], ended.GetMeasurementSnapshot().Select(m => (string)m.Tags["outcome"]!));
        Assert.Equal(3, durations.GetMeasurementSnapshot().Count);
        var delivered = Assert.Single(lag.GetMeasurementSnapshot()).Value; // from the change to the 2xx, the retries' waits included
        Assert.InRange(delivered, 0.6, 30); // the schedule waited 0.2 s and 0.4 s
        inFlight.RecordObservableInstruments();
        for (var waited = 0; inFlight.LastMeasurement!.Value != 0 && waited < 250; waited++) // its slot is given back just after its record
        {
            await Task.Delay(20);
            inFlight.RecordObservableInstruments();
        }
        Assert.Equal(0, inFlight.LastMeasurement!.Value);
    }

    [Fact]
    public async Task When_the_schedule_runs_out_the_delivery_fails_and_a_retry_delivers_it()
    {
        Receiver.Answer(500, 500, 500);
        var webhookId = await Client.CreateWebhookAsync(Receiver.Url, ""","event_types":["mission_run.created"]""");
        await Client.StartRunAsync(await Client.NewMissionAsync("down"));

        var failed = (await Client.DeliveriesAsync(webhookId, d => d.Count == 1 && (string)d[0]!["status"]! == "failed"))[0]!;
        Assert.Equal(3, (int)failed["attempts"]!); // the first, and one per wait of the schedule
        Assert.Equal(500, (int)failed["last_status_code"]!);
        Assert.Equal("The endpoint answered HTTP 500.", (string)failed["last_error"]!);
        Assert.Equal("nope", (string)failed["last_response_excerpt"]!);

        var deliveryId = (string)failed["delivery_id"]!;
        var (status, retried, _) = await Client.SendAsync(HttpMethod.Post, $"{Webhooks}/{webhookId}/deliveries/{deliveryId}/retry");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("pending", (string)retried!["data"]!["status"]!);
        var delivered = (await Client.DeliveriesAsync(webhookId, d => (string)d[0]!["status"]! == "succeeded"))[0]!;
        Assert.Equal(4, (int)delivered["attempts"]!);
        Assert.Equal(4, Receiver.Requests.Count);
    }

    [Fact]
    public async Task A_disabled_endpoint_receives_nothing_of_its_organizations_runs_but_a_test_event_reaches_it()
    {
        var webhookId = await Client.CreateWebhookAsync(Receiver.Url, ""","enabled":false""");
        await Client.StartRunAsync(await Client.NewMissionAsync("quiet"));
        var (status, test, _) = await Client.SendAsync(HttpMethod.Post, $"{Webhooks}/{webhookId}/test");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("webhook.test", (string)test!["data"]!["event_type"]!);

        // The test event is sent (a disabled endpoint can be tried before it is turned on); the run's creation is not queued.
        var received = await Receiver.WaitAsync(r => r.Count == 1);
        Assert.Equal(webhookId, (string)received[0].Json["data"]!["payload"]!["webhook_id"]!);
        await Task.Delay(300);
        Assert.Equal(["webhook.test"], Receiver.Requests.Select(r => r.EventType));
        var delivery = Assert.Single(await Client.DeliveriesAsync(webhookId, d => (string)d[0]!["status"]! == "succeeded"))!;
        Assert.Null(delivery["last_error"]);
    }

    [Fact]
    public async Task One_organizations_endpoints_never_receive_anothers_events_and_its_deliveries_are_its_own()
    {
        var clientB = App.Rest(TestKeys.KeyB);
        await using var receiverB = await WebhookReceiver.StartAsync();
        var webhookA = await Client.CreateWebhookAsync(Receiver.Url);
        await clientB.CreateWebhookAsync(receiverB.Url);

        await Client.StartRunAsync(await Client.NewMissionAsync("a's"));
        await Receiver.WaitAsync(r => r.Count == 1);
        await Task.Delay(300);

        Assert.Empty(receiverB.Requests);
        var (status, _, _) = await clientB.SendAsync(HttpMethod.Get, $"{Webhooks}/{webhookA}/deliveries");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var (listed, list, _) = await clientB.SendAsync(HttpMethod.Get, Webhooks);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.DoesNotContain(webhookA, list!["data"]!.AsArray().Select(w => (string)w!["webhook_id"]!));
        var (patch, _, _) = await clientB.SendAsync(HttpMethod.Patch, $"{Webhooks}/{webhookA}", """{"enabled":false}""");
        Assert.Equal(HttpStatusCode.NotFound, patch);
    }
}
