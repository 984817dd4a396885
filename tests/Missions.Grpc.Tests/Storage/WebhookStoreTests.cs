using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// Webhooks in storage, on the assembly's backend (LiteDB, or PostgreSQL in the second suite): endpoints and their list
/// totals; deliveries queued with the run change that causes them, one per enabled endpoint that wants the event; claims
/// held by a lease, within free slots; attempts recorded (a stale one ignored); retries, tests, purges; the pending
/// deliveries' quota, given back when deliveries end or their endpoint is deleted; a setting kept once.
/// </summary>
public sealed class WebhookStoreTests
{
    private const string Org = TestKeys.OrgA;
    private const string OtherOrg = TestKeys.OrgB;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    /// <summary>A clock the test moves, at a whole millisecond (what the stores keep).</summary>
    private static ManualClock Clock() => new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static DateTime Now(ManualClock clock) => clock.Now.UtcDateTime;

    private static NewWebhook Endpoint(string name, IReadOnlyList<string>? types = null, Guid? mission = null, bool enabled = true) =>
        new($"https://{name}.example.com/hook", types ?? [], mission, $"endpoint {name}", enabled);

    private static DeliveryClaim Claim(int limit = 100, int perEndpoint = 100, Dictionary<Guid, int>? free = null) =>
        new(limit, perEndpoint, free ?? [], Lease);

    private static async Task<Guid> MissionAsync(IStorageBackend backend, string organization = Org, string name = "m") =>
        Guid.Parse((await backend.Missions.CreateMissionAsync(new NewMission(organization, name, null, null, null, "external", null))).Id);

    private static async Task<List<DeliveryDocument>> DeliveriesAsync(IStorageBackend backend, WebhookDocument webhook)
    {
        var page = await backend.Webhooks.ListDeliveriesAsync(webhook.Organization, Guid.Parse(webhook.Id), 0, 1000);
        Assert.Equal(page.TotalResults, page.Items.Count);
        return [.. page.Items];
    }

    private static async Task<DeliveryDocument> DeliveryAsync(IStorageBackend backend, WebhookDocument webhook, string id) =>
        Assert.Single(await DeliveriesAsync(backend, webhook), d => d.Id == id);

    /// <summary>Counters as a batch sees them (what the pipeline decides quotas on).</summary>
    private sealed class ReadCounters(params string[] keys) : WriteCommand<int[]>
    {
        public override string Operation => "ReadCounters";

        public override string? Organization => null;

        public override void Declare(BatchNeeds needs)
        {
            foreach (var key in keys)
            {
                needs.Counters.Add(key);
            }
        }

        public override Outcome<int[]> Execute(BatchState batch) => keys.Select(batch.Counter).ToArray();
    }

    private static Task<int[]> CountersAsync(IStorageBackend backend, params string[] keys) =>
        PipelineBatches.Of(backend).ExecuteAsync(new ReadCounters(keys), null, CancellationToken.None);

    private static async Task<string> NotFoundAsync(Func<Task> act) => (await Assert.ThrowsAsync<ResourceNotFoundException>(act)).Resource;

    [Fact]
    public async Task Endpoints_are_created_read_listed_newest_first_updated_and_deleted_per_organization_with_their_totals()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var mission = await MissionAsync(backend);
        var otherMission = await MissionAsync(backend, OtherOrg);

        // Text is kept exactly, NUL and U+FFFF included (PostgreSQL text cannot hold NUL), in event types too.
        var odd = "a\0b\uffffc";
        var first = await backend.Webhooks.CreateWebhookAsync(Org, new NewWebhook("https://one.example.com/" + odd,
            [WebhookEventTypes.RunFailed, WebhookEventTypes.RunCreated, WebhookEventTypes.RunFailed, odd], mission, "first " + odd, Enabled: true));
        clock.Now += TimeSpan.FromSeconds(1);
        var second = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("two", enabled: false));
        clock.Now += TimeSpan.FromSeconds(1);
        var third = await backend.Webhooks.CreateWebhookAsync(Org, new NewWebhook("https://three.example.com", [], null, null, true));
        var foreign = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("foreign", mission: otherMission));

        Assert.Equal(Org, first.Organization);
        Assert.Equal("https://one.example.com/" + odd, first.Url);
        Assert.Equal([WebhookEventTypes.RunFailed, WebhookEventTypes.RunCreated, odd], first.EventTypes); // duplicates dropped, order kept
        Assert.Equal(mission.ToString(), first.MissionId);
        Assert.Equal("first " + odd, first.Description);
        Assert.True(first.Enabled);
        Assert.Equal(Now(clock) - TimeSpan.FromSeconds(2), first.CreatedAt);
        Assert.Equal(first.CreatedAt, first.UpdatedAt);
        Assert.Equivalent(first, await backend.Webhooks.GetWebhookAsync(Org, Guid.Parse(first.Id)), strict: true);
        Assert.Equivalent(second, await backend.Webhooks.GetWebhookAsync(Org, Guid.Parse(second.Id)), strict: true);
        var read = await backend.Webhooks.GetWebhookAsync(Org, Guid.Parse(third.Id));
        Assert.Empty(read.EventTypes);
        Assert.Null(read.MissionId);
        Assert.Null(read.Description);

        var listed = await backend.Webhooks.ListWebhooksAsync(Org, 0, 10);
        Assert.Equal(3, listed.TotalResults);
        Assert.Equal([third.Id, second.Id, first.Id], listed.Items.Select(w => w.Id));
        var page = await backend.Webhooks.ListWebhooksAsync(Org, 1, 1);
        Assert.Equal(3, page.TotalResults);
        Assert.Equal(second.Id, Assert.Single(page.Items).Id);
        Assert.Equal(foreign.Id, Assert.Single((await backend.Webhooks.ListWebhooksAsync(OtherOrg, 0, 10)).Items).Id);

        // Another organization's endpoint, or mission, is not found.
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.GetWebhookAsync(Org, Guid.Parse(foreign.Id))));
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.UpdateWebhookAsync(Org, Guid.Parse(foreign.Id), new WebhookChanges(Enabled: false))));
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.DeleteWebhookAsync(Org, Guid.Parse(foreign.Id))));
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.ListDeliveriesAsync(Org, Guid.Parse(foreign.Id), 0, 10)));
        Assert.Equal("Mission", await NotFoundAsync(() => backend.Webhooks.CreateWebhookAsync(Org, Endpoint("x", mission: otherMission))));
        Assert.Equal("Mission", await NotFoundAsync(() => backend.Webhooks.UpdateWebhookAsync(Org, Guid.Parse(third.Id), new WebhookChanges(MissionId: otherMission))));

        // Present fields replace; an empty list of types leaves the list as it is; the mission filter is cleared on request.
        clock.Now += TimeSpan.FromSeconds(1);
        var updated = await backend.Webhooks.UpdateWebhookAsync(Org, Guid.Parse(first.Id),
            new WebhookChanges(Url: "https://moved.example.com", EventTypes: [], ClearMission: true, Enabled: false));
        Assert.Equal("https://moved.example.com", updated.Url);
        Assert.Equal(first.EventTypes, updated.EventTypes);
        Assert.Null(updated.MissionId);
        Assert.Equal(first.Description, updated.Description);
        Assert.False(updated.Enabled);
        Assert.Equal(first.CreatedAt, updated.CreatedAt);
        Assert.Equal(Now(clock), updated.UpdatedAt);
        Assert.Equivalent(updated, await backend.Webhooks.GetWebhookAsync(Org, Guid.Parse(first.Id)), strict: true);
        var again = await backend.Webhooks.UpdateWebhookAsync(Org, Guid.Parse(first.Id),
            new WebhookChanges(EventTypes: [WebhookEventTypes.EventLogged], MissionId: mission, Description: "described"));
        Assert.Equal([WebhookEventTypes.EventLogged], again.EventTypes);
        Assert.Equal(mission.ToString(), again.MissionId);
        Assert.Equal("described", again.Description);
        Assert.True(again.UpdatedAt > updated.UpdatedAt); // the clock stood still: a millisecond later
        Assert.Equivalent(again, await backend.Webhooks.GetWebhookAsync(Org, Guid.Parse(first.Id)), strict: true);

        await backend.Webhooks.DeleteWebhookAsync(Org, Guid.Parse(second.Id));
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.GetWebhookAsync(Org, Guid.Parse(second.Id))));
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.DeleteWebhookAsync(Org, Guid.Parse(second.Id))));
        listed = await backend.Webhooks.ListWebhooksAsync(Org, 0, 10);
        Assert.Equal(2, listed.TotalResults);
        Assert.Equal([third.Id, first.Id], listed.Items.Select(w => w.Id));
        Assert.Equal(1, (await backend.Webhooks.ListWebhooksAsync(OtherOrg, 0, 10)).TotalResults);
    }

    [Fact]
    public async Task Keyed_webhook_writes_are_replayed_from_their_stored_result()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        IdempotencyScope Keyed(string key) => new(Org, key, "request " + key, TimeSpan.FromHours(1));

        var created = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("keyed", [WebhookEventTypes.RunFailed]), Keyed("create"));
        var retry = Keyed("create");
        var replayed = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("keyed", [WebhookEventTypes.RunFailed]), retry);
        Assert.True(retry.Replayed);
        Assert.Equivalent(created, replayed, strict: true);
        Assert.Equal(1, (await backend.Webhooks.ListWebhooksAsync(Org, 0, 10)).TotalResults);

        var id = Guid.Parse(created.Id);
        var test = await backend.Webhooks.TestWebhookAsync(Org, id, Keyed("test"));
        var testAgain = Keyed("test");
        Assert.Equivalent(test, await backend.Webhooks.TestWebhookAsync(Org, id, testAgain), strict: true);
        Assert.True(testAgain.Replayed);
        Assert.Single(await DeliveriesAsync(backend, created));

        await backend.Webhooks.DeleteWebhookAsync(Org, id, Keyed("delete"));
        var deleteAgain = Keyed("delete");
        await backend.Webhooks.DeleteWebhookAsync(Org, id, deleteAgain); // not "Webhook not found": the first answer again
        Assert.True(deleteAgain.Replayed);
    }

    [Fact]
    public async Task An_organization_keeps_at_most_its_quota_of_endpoints()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(configure: o => o.Quotas.MaxWebhooksPerOrganization = 2);
        var first = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("one"));
        await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("two"));
        var refused = await Assert.ThrowsAsync<QuotaExceededException>(() => backend.Webhooks.CreateWebhookAsync(Org, Endpoint("three")));
        Assert.Equal("Quotas:MaxWebhooksPerOrganization", refused.Quota);
        await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("elsewhere"));
        await backend.Webhooks.DeleteWebhookAsync(Org, Guid.Parse(first.Id));
        await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("three"));
        Assert.Equal(2, (await backend.Webhooks.ListWebhooksAsync(Org, 0, 10)).TotalResults);
    }

    [Fact]
    public async Task Each_run_change_queues_one_delivery_per_enabled_endpoint_of_the_organization_that_wants_its_event()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var mission = await MissionAsync(backend, name: "watched");
        var otherMission = await MissionAsync(backend, name: "other");
        var foreignMission = await MissionAsync(backend, OtherOrg);
        var all = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("all"));
        var failures = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("failures", [WebhookEventTypes.RunFailed]));
        var statuses = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("statuses", [WebhookEventTypes.RunStatusChanged, WebhookEventTypes.RunSucceeded]));
        var otherOnly = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("other-only", mission: otherMission));
        var disabled = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("disabled", enabled: false));
        var foreign = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("foreign"));

        var run = await backend.Runs.CreateRunAsync(Org, mission, new NewRun("""{"input":1}""", null));
        var runId = Guid.Parse(run.Id);
        clock.Now += TimeSpan.FromSeconds(1);
        await backend.Runs.ChangeRunAsync(Org, mission, runId, new RunChange(RunTransition.To(RunStatus.Running)));
        var logged = await backend.Events.LogEventAsync(Org, mission, runId, new NewEvent("message", "hello", null, null, null, """{"x":"\u0000"}"""));
        await backend.Plans.AddStepsAsync(Org, mission, runId, [new NewStep("s1", "first", 0, null, null), new NewStep("s2", "second", 1, "s1", null)], initialPlan: true);
        await backend.Plans.ChangeStepAsync(Org, mission, runId, "s1", new StepChange(StepStatus.InProgress));
        await backend.Runs.ChangeRunAsync(Org, mission, runId, new RunChange(MetadataJson: """{"note":"no status change"}"""));
        clock.Now += TimeSpan.FromSeconds(1);
        var failed = await backend.Runs.ChangeRunAsync(Org, mission, runId, new RunChange(RunTransition.To(RunStatus.Failed), Error: "it broke"));

        // Oldest first: created, status_changed (running), event_logged, plan_updated ×3 (two steps added, one changed),
        // then the failure's two events: status_changed and failed. The metadata change raised nothing.
        var toAll = (await DeliveriesAsync(backend, all)).AsEnumerable().Reverse().ToList();
        Assert.Equal(
            [WebhookEventTypes.RunCreated, WebhookEventTypes.RunStatusChanged, WebhookEventTypes.EventLogged, WebhookEventTypes.PlanUpdated,
             WebhookEventTypes.PlanUpdated, WebhookEventTypes.PlanUpdated, WebhookEventTypes.RunStatusChanged, WebhookEventTypes.RunFailed],
            toAll.Select(d => d.EventType));
        Assert.All(toAll, d =>
        {
            Assert.Equal(Org, d.Organization);
            Assert.Equal(all.Id, d.WebhookId);
            Assert.Equal(run.Id, d.RunId);
            Assert.Equal(DeliveryStatus.Pending, d.Status);
            Assert.Equal(0, d.Attempts);
            Assert.Equal(0, d.ScheduleStart);
            Assert.Null(d.LastStatusCode);
            Assert.Null(d.LastError);
            Assert.Equal(d.CreatedAt, d.NextAttemptAt); // due at once
            Assert.Equal(d.CreatedAt, d.UpdatedAt);
        });
        Assert.Equal(0, toAll[0].ChangeNumber); // the run's creation
        var numbers = toAll.Select(d => d.ChangeNumber).ToList();
        Assert.True(numbers.Zip(numbers.Skip(1)).Take(6).All(p => p.Second > p.First), string.Join(", ", numbers)); // increasing with each change
        Assert.Equal(numbers[6], numbers[7]); // one change, two events
        Assert.True(numbers[6] > numbers[5] + 1, string.Join(", ", numbers)); // the metadata change took a number and raised nothing
        Assert.Equal(toAll.Count, toAll.Select(d => d.EventId).Distinct().Count()); // one event id per event

        // The subjects, as stored at their change.
        Assert.Equal(WebhookSubject.RunKind, toAll[0].SubjectKind);
        Assert.Equal(RunStatus.Pending, WebhookSubject.Run(toAll[0].SubjectJson).Status);
        Assert.Equal("""{"input":1}""", WebhookSubject.Run(toAll[0].SubjectJson).InputJson);
        Assert.Equal(run.StartedAt, toAll[0].OccurredAt);
        Assert.Equal(RunStatus.Running, WebhookSubject.Run(toAll[1].SubjectJson).Status);
        Assert.Equal(WebhookSubject.EventKind, toAll[2].SubjectKind);
        var subjectEvent = WebhookSubject.Event(toAll[2].SubjectJson);
        Assert.Equal(logged.Event.Id, subjectEvent.Id);
        Assert.Equal(logged.Event.PayloadJson, subjectEvent.PayloadJson); // a NUL in JSON survives
        Assert.Equal(logged.Event.Timestamp, toAll[2].OccurredAt);
        Assert.Equal(logged.Event.Sequence, toAll[2].ChangeNumber);
        Assert.Equal(WebhookSubject.StepKind, toAll[3].SubjectKind);
        Assert.Equal(["s1", "s2", "s1"], toAll.Skip(3).Take(3).Select(d => WebhookSubject.Step(d.SubjectJson).StepId));
        Assert.Equal(StepStatus.InProgress, WebhookSubject.Step(toAll[5].SubjectJson).Status);
        Assert.All(toAll.Skip(6), d => Assert.Equal(RunStatus.Failed, WebhookSubject.Run(d.SubjectJson).Status));
        Assert.Equal("it broke", WebhookSubject.Run(toAll[7].SubjectJson).Error);
        Assert.Equal(failed.UpdatedAt, toAll[7].OccurredAt);

        // Filters: the event types asked for, the same event (its id) as the endpoint that takes every type.
        var toFailures = Assert.Single(await DeliveriesAsync(backend, failures));
        Assert.Equal(WebhookEventTypes.RunFailed, toFailures.EventType);
        Assert.Equal(toAll[7].EventId, toFailures.EventId);
        Assert.Equal(toAll[7].ChangeNumber, toFailures.ChangeNumber);
        var toStatuses = (await DeliveriesAsync(backend, statuses)).AsEnumerable().Reverse().ToList();
        Assert.Equal([toAll[1].EventId, toAll[6].EventId], toStatuses.Select(d => d.EventId));
        Assert.Empty(await DeliveriesAsync(backend, otherOnly)); // another mission's runs only
        Assert.Empty(await DeliveriesAsync(backend, disabled));
        Assert.Empty(await DeliveriesAsync(backend, foreign)); // another organization's

        // A run of the other mission reaches the endpoint filtered on it; a run of another organization, only that one's.
        await backend.Runs.CreateRunAsync(Org, otherMission, new NewRun(null, null));
        Assert.Equal(WebhookEventTypes.RunCreated, Assert.Single(await DeliveriesAsync(backend, otherOnly)).EventType);
        Assert.Equal(9, (await backend.Webhooks.ListDeliveriesAsync(Org, Guid.Parse(all.Id), 0, 1)).TotalResults);
        var foreignRun = await backend.Runs.CreateRunAsync(OtherOrg, foreignMission, new NewRun(null, null));
        Assert.Equal(foreignRun.Id, Assert.Single(await DeliveriesAsync(backend, foreign)).RunId);
        Assert.Equal(9, (await backend.Webhooks.ListDeliveriesAsync(Org, Guid.Parse(all.Id), 0, 1)).TotalResults);

        // Pages of an endpoint's deliveries, newest first, with the total.
        var page = await backend.Webhooks.ListDeliveriesAsync(Org, Guid.Parse(all.Id), 2, 3);
        Assert.Equal(9, page.TotalResults);
        Assert.Equal(toAll.AsEnumerable().Reverse().Skip(1).Take(3).Select(d => d.Id), page.Items.Select(d => d.Id));
        Assert.Equal(new[] { 9, 1, 2, 1, 0, 1 },
            await CountersAsync(backend, CounterKeys.PendingDeliveriesOf(Org, all.Id), CounterKeys.PendingDeliveriesOf(Org, failures.Id),
                CounterKeys.PendingDeliveriesOf(Org, statuses.Id), CounterKeys.PendingDeliveriesOf(Org, otherOnly.Id),
                CounterKeys.PendingDeliveriesOf(Org, disabled.Id), CounterKeys.PendingDeliveries(OtherOrg)));
        Assert.Equal(13, (await CountersAsync(backend, CounterKeys.PendingDeliveries(Org)))[0]);
    }

    [Fact]
    public async Task A_claim_takes_due_deliveries_in_due_order_once_within_free_slots_and_the_lease_makes_them_due_again()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var a = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("a"));
        var b = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("b"));
        var (aId, bId) = (Guid.Parse(a.Id), Guid.Parse(b.Id));
        var queued = new List<DeliveryDocument>();
        for (var i = 0; i < 3; i++)
        {
            queued.Add(await backend.Webhooks.TestWebhookAsync(Org, aId));
            queued.Add(await backend.Webhooks.TestWebhookAsync(OtherOrg, bId));
        }
        var (a1, b1, a2, b2, a3, b3) = (queued[0], queued[1], queued[2], queued[3], queued[4], queued[5]);

        // Two free slots named for a, one for each other endpoint: due order (a1, b1, a2), a3 and the rest of b wait.
        var first = await backend.Webhooks.ClaimDueAsync(Claim(perEndpoint: 1, free: new() { [aId] = 2 }));
        Assert.Equal([a1.Id, b1.Id, a2.Id], first.Select(c => c.Delivery.Id));
        Assert.Equal([a.Url, b.Url, a.Url], first.Select(c => c.Url));
        Assert.All(first, c =>
        {
            Assert.Equal(1, c.Delivery.Attempts);
            Assert.Equal(DeliveryStatus.Pending, c.Delivery.Status);
            Assert.Equal(Now(clock) + Lease, c.Delivery.NextAttemptAt);
        });
        Assert.Equivalent(first[0].Delivery, await DeliveryAsync(backend, a, a1.Id), strict: true);

        // An endpoint with no free slot is left out; the limit holds.
        Assert.Equal([a3.Id], (await backend.Webhooks.ClaimDueAsync(Claim(free: new() { [bId] = 0 }))).Select(c => c.Delivery.Id));
        Assert.Equal([b2.Id], (await backend.Webhooks.ClaimDueAsync(Claim(limit: 1))).Select(c => c.Delivery.Id));
        Assert.Equal([b3.Id], (await backend.Webhooks.ClaimDueAsync(Claim())).Select(c => c.Delivery.Id));

        // Each is held by its lease: claimed once until it ends, then due again (a claimant that died), counted.
        clock.Now += Lease - TimeSpan.FromMilliseconds(1);
        Assert.Empty(await backend.Webhooks.ClaimDueAsync(Claim()));
        clock.Now += TimeSpan.FromMilliseconds(1);
        var again = await backend.Webhooks.ClaimDueAsync(Claim());
        Assert.Equal(queued.Select(d => d.Id), again.Select(c => c.Delivery.Id)); // due at one time: in id order
        Assert.All(again, c => Assert.Equal(2, c.Delivery.Attempts));
        Assert.Empty(await backend.Webhooks.ClaimDueAsync(Claim()));
        Assert.Equal(new[] { 3, 3 }, await CountersAsync(backend, CounterKeys.PendingDeliveries(Org), CounterKeys.PendingDeliveries(OtherOrg))); // still pending
    }

    [Fact]
    public async Task A_claim_takes_at_most_an_organizations_free_slots_however_many_endpoints_it_has()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        var many = new List<WebhookDocument>();
        for (var i = 0; i < 3; i++)
        {
            many.Add(await backend.Webhooks.CreateWebhookAsync(Org, Endpoint($"many{i}")));
            await backend.Webhooks.TestWebhookAsync(Org, Guid.Parse(many[i].Id));
            await backend.Webhooks.TestWebhookAsync(Org, Guid.Parse(many[i].Id));
        }
        var other = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("other"));
        var theirs = await backend.Webhooks.TestWebhookAsync(OtherOrg, Guid.Parse(other.Id));

        // Three slots for the organization (one already in flight: two left), two per endpoint.
        var claimed = await backend.Webhooks.ClaimDueAsync(
            new DeliveryClaim(100, 2, new Dictionary<Guid, int>(), Lease, PerOrganization: 3, FreeByOrganization: new Dictionary<string, int> { [Org] = 2 }));

        Assert.Equal(2, claimed.Count(c => c.Delivery.Organization == Org));
        Assert.Contains(theirs.Id, claimed.Select(c => c.Delivery.Id));
        Assert.Equal(4, (await backend.Webhooks.ClaimDueAsync(Claim())).Count); // the rest stayed due
    }

    [Fact]
    public async Task Pending_deliveries_are_counted_over_every_organization_claimed_ones_included()
    {
        using var db = new TempDatabase();
        using var backend = db.OpenBackend();
        var a = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("a"));
        var b = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("b"));
        Assert.Equal(0, await backend.Webhooks.CountPendingDeliveriesAsync());

        var first = await backend.Webhooks.TestWebhookAsync(Org, Guid.Parse(a.Id));
        await backend.Webhooks.TestWebhookAsync(OtherOrg, Guid.Parse(b.Id));
        await backend.Webhooks.TestWebhookAsync(OtherOrg, Guid.Parse(b.Id));
        Assert.Equal(3, await backend.Webhooks.CountPendingDeliveriesAsync());

        Assert.Equal(3, (await backend.Webhooks.ClaimDueAsync(Claim())).Count);
        Assert.Equal(3, await backend.Webhooks.CountPendingDeliveriesAsync()); // in flight: still to be delivered
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(first.Id), 1, true, 200, null, "ok", null));
        Assert.Equal(2, await backend.Webhooks.CountPendingDeliveriesAsync());
    }

    [Fact]
    public async Task One_endpoints_backlog_does_not_hide_another_endpoints_due_deliveries_from_a_claim()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var busy = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("busy"));
        var quiet = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("quiet"));
        for (var i = 0; i < 60; i++)
        {
            await backend.Webhooks.TestWebhookAsync(Org, Guid.Parse(busy.Id));
        }
        clock.Now += TimeSpan.FromSeconds(1);
        var late = await backend.Webhooks.TestWebhookAsync(OtherOrg, Guid.Parse(quiet.Id)); // due after all of the backlog

        var claimed = await backend.Webhooks.ClaimDueAsync(Claim(limit: 4, perEndpoint: 2));

        Assert.Equal(2, claimed.Count(c => c.Delivery.WebhookId == busy.Id)); // its slots, no more
        Assert.Contains(late.Id, claimed.Select(c => c.Delivery.Id));
    }

    [Fact]
    public async Task Claims_in_one_batch_take_different_deliveries_each_within_its_own_limit_and_slots()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var a = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("a"));
        var b = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("b"));
        var (aId, bId) = (Guid.Parse(a.Id), Guid.Parse(b.Id));
        var queued = new List<DeliveryDocument>();
        for (var i = 0; i < 4; i++)
        {
            queued.Add(await backend.Webhooks.TestWebhookAsync(Org, aId));
            queued.Add(await backend.Webhooks.TestWebhookAsync(Org, bId));
        }

        // Three claims in one batch: the first may take three, none of b; the second two; the third is not to take a.
        var claims = await PipelineBatches.OneBatchAsync(PipelineBatches.Of(backend), new[]
        {
            new ClaimDeliveries(Claim(limit: 3, free: new() { [bId] = 0 }), Now(clock)),
            new ClaimDeliveries(Claim(limit: 2), Now(clock)),
            new ClaimDeliveries(Claim(limit: 1, free: new() { [aId] = 0 }), Now(clock)),
        });
        var taken = await Task.WhenAll(claims).WaitAsync(Timeout);
        Assert.Equal([queued[0].Id, queued[2].Id, queued[4].Id], taken[0].Select(c => c.Delivery.Id));
        Assert.Equal([queued[1].Id, queued[3].Id], taken[1].Select(c => c.Delivery.Id));
        Assert.Equal([queued[5].Id], taken[2].Select(c => c.Delivery.Id));
        Assert.All(taken.SelectMany(t => t), c => Assert.Equal(1, c.Delivery.Attempts)); // each claimed once
        Assert.Equal([queued[6].Id, queued[7].Id], (await backend.Webhooks.ClaimDueAsync(Claim())).Select(c => c.Delivery.Id));
    }

    [Fact]
    public async Task A_claim_fails_the_deliveries_of_a_disabled_endpoint_but_sends_its_tests()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var mission = await MissionAsync(backend);
        var endpoint = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("later-disabled"));
        var id = Guid.Parse(endpoint.Id);
        await backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null));
        var queued = Assert.Single(await DeliveriesAsync(backend, endpoint));
        await backend.Webhooks.UpdateWebhookAsync(Org, id, new WebhookChanges(Enabled: false));
        var test = await backend.Webhooks.TestWebhookAsync(Org, id);
        clock.Now += TimeSpan.FromSeconds(1);

        var claimed = Assert.Single(await backend.Webhooks.ClaimDueAsync(Claim()));
        Assert.Equal(test.Id, claimed.Delivery.Id);
        var dropped = await DeliveryAsync(backend, endpoint, queued.Id);
        Assert.Equal(DeliveryStatus.Failed, dropped.Status);
        Assert.Equal("The webhook is disabled.", dropped.LastError);
        Assert.Null(dropped.NextAttemptAt);
        Assert.Equal(0, dropped.Attempts); // never sent
        Assert.Equal(Now(clock), dropped.UpdatedAt);
        Assert.Equal(new[] { 1, 1 }, await CountersAsync(backend, CounterKeys.PendingDeliveries(Org), CounterKeys.PendingDeliveriesOf(Org, endpoint.Id)));

        // Enabled again, a retry sends it.
        await backend.Webhooks.UpdateWebhookAsync(Org, id, new WebhookChanges(Enabled: true));
        await backend.Webhooks.RetryDeliveryAsync(Org, id, Guid.Parse(queued.Id));
        Assert.Equal(queued.Id, Assert.Single(await backend.Webhooks.ClaimDueAsync(Claim())).Delivery.Id);
    }

    [Fact]
    public async Task An_attempt_is_recorded_as_a_success_a_failure_to_retry_or_a_final_failure_and_a_stale_one_is_ignored()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var endpoint = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("flaky"));
        var id = Guid.Parse(endpoint.Id);
        var retried = await backend.Webhooks.TestWebhookAsync(Org, id);
        var given = await backend.Webhooks.TestWebhookAsync(Org, id);
        var retriedId = Guid.Parse(retried.Id);
        Assert.Equal(2, (await backend.Webhooks.ClaimDueAsync(Claim())).Count);

        // A failure with a time to try again: pending until then.
        var retryAt = Now(clock) + TimeSpan.FromSeconds(30);
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, retriedId, 1, false, 503, "Service Unavailable", "busy", retryAt));
        var waiting = await DeliveryAsync(backend, endpoint, retried.Id);
        Assert.Equal(DeliveryStatus.Pending, waiting.Status);
        Assert.Equal(1, waiting.Attempts);
        Assert.Equal(503, waiting.LastStatusCode);
        Assert.Equal("Service Unavailable", waiting.LastError);
        Assert.Equal("busy", waiting.LastResponseExcerpt);
        Assert.Equal(retryAt, waiting.NextAttemptAt);
        clock.Now += TimeSpan.FromSeconds(29);
        Assert.Empty(await backend.Webhooks.ClaimDueAsync(Claim()));
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(2, Assert.Single(await backend.Webhooks.ClaimDueAsync(Claim())).Delivery.Attempts);

        // The first attempt's late failure is not the delivery's latest attempt: ignored.
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, retriedId, 1, false, 500, "late", null, null));
        var unchanged = await DeliveryAsync(backend, endpoint, retried.Id);
        Assert.Equal((DeliveryStatus.Pending, 503, "Service Unavailable"), (unchanged.Status, unchanged.LastStatusCode, unchanged.LastError));
        Assert.Equal(Now(clock) + Lease, unchanged.NextAttemptAt);

        // The second attempt succeeds; a failure recorded after that changes nothing.
        clock.Now += TimeSpan.FromSeconds(1);
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, retriedId, 2, true, 200, null, "ok", null));
        var delivered = await DeliveryAsync(backend, endpoint, retried.Id);
        Assert.Equal(DeliveryStatus.Succeeded, delivered.Status);
        Assert.Equal(200, delivered.LastStatusCode);
        Assert.Null(delivered.LastError);
        Assert.Equal("ok", delivered.LastResponseExcerpt);
        Assert.Null(delivered.NextAttemptAt);
        Assert.Equal(Now(clock), delivered.UpdatedAt);
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, retriedId, 2, false, 500, "again", null, null));
        Assert.Equivalent(delivered, await DeliveryAsync(backend, endpoint, retried.Id), strict: true);

        // The schedule over: a final failure.
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(given.Id), 1, false, null, "connection refused", null, null));
        var failed = await DeliveryAsync(backend, endpoint, given.Id);
        Assert.Equal(DeliveryStatus.Failed, failed.Status);
        Assert.Null(failed.LastStatusCode);
        Assert.Equal("connection refused", failed.LastError);
        Assert.Null(failed.NextAttemptAt);

        // A delivery that is gone, or another organization's, is no error and changes nothing.
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.NewGuid(), 1, true, 200, null, null, null));
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(OtherOrg, Guid.Parse(given.Id), 1, true, 200, null, null, null));
        Assert.Equivalent(failed, await DeliveryAsync(backend, endpoint, given.Id), strict: true);
        Assert.Equal(new[] { 0, 0 }, await CountersAsync(backend, CounterKeys.PendingDeliveries(Org), CounterKeys.PendingDeliveriesOf(Org, endpoint.Id)));
        Assert.Empty(await backend.Webhooks.ClaimDueAsync(Claim()));
    }

    [Fact]
    public async Task A_retry_makes_an_ended_delivery_due_now_with_a_fresh_schedule()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var endpoint = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("retried"));
        var other = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("other"));
        var foreign = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("foreign"));
        var id = Guid.Parse(endpoint.Id);
        var delivery = await backend.Webhooks.TestWebhookAsync(Org, id);
        var deliveryId = Guid.Parse(delivery.Id);
        await backend.Webhooks.ClaimDueAsync(Claim());
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, deliveryId, 1, false, 410, "Gone", null, null));
        clock.Now += TimeSpan.FromMinutes(5);

        var retried = await backend.Webhooks.RetryDeliveryAsync(Org, id, deliveryId);
        Assert.Equal(DeliveryStatus.Pending, retried.Status);
        Assert.Equal(1, retried.Attempts); // counted still
        Assert.Equal(1, retried.ScheduleStart); // the schedule starts again from them
        Assert.Equal(Now(clock), retried.NextAttemptAt);
        Assert.Equal(Now(clock), retried.UpdatedAt);
        Assert.Equivalent(retried, await DeliveryAsync(backend, endpoint, delivery.Id), strict: true);
        Assert.Equal(new[] { 1 }, await CountersAsync(backend, CounterKeys.PendingDeliveries(Org)));
        var claimed = Assert.Single(await backend.Webhooks.ClaimDueAsync(Claim()));
        Assert.Equal(2, claimed.Delivery.Attempts);
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, deliveryId, 2, true, 204, null, null, null));

        // A delivered one may be sent again too.
        var resent = await backend.Webhooks.RetryDeliveryAsync(Org, id, deliveryId);
        Assert.Equal((DeliveryStatus.Pending, 2, 2), (resent.Status, resent.Attempts, resent.ScheduleStart));

        Assert.Equal("Webhook delivery", await NotFoundAsync(() => backend.Webhooks.RetryDeliveryAsync(Org, Guid.Parse(other.Id), deliveryId)));
        Assert.Equal("Webhook delivery", await NotFoundAsync(() => backend.Webhooks.RetryDeliveryAsync(Org, id, Guid.NewGuid())));
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.RetryDeliveryAsync(Org, Guid.NewGuid(), deliveryId)));
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.RetryDeliveryAsync(OtherOrg, id, deliveryId)));
        Assert.Equal("Webhook delivery", await NotFoundAsync(() => backend.Webhooks.RetryDeliveryAsync(OtherOrg, Guid.Parse(foreign.Id), deliveryId)));
    }

    [Fact]
    public async Task A_test_queues_one_delivery_to_the_endpoint_due_now_whatever_it_subscribes_to()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var endpoint = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("tested", [WebhookEventTypes.RunFailed]));
        var foreign = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("foreign"));

        var test = await backend.Webhooks.TestWebhookAsync(Org, Guid.Parse(endpoint.Id));
        Assert.Equal(Org, test.Organization);
        Assert.Equal(endpoint.Id, test.WebhookId);
        Assert.Equal(WebhookEventTypes.Test, test.EventType);
        Assert.Equal(WebhookSubject.TestKind, test.SubjectKind);
        Assert.Null(test.RunId);
        Assert.Equal(0, test.ChangeNumber);
        Assert.Equal(DeliveryStatus.Pending, test.Status);
        Assert.Equal(0, test.Attempts);
        Assert.Equal(Now(clock), test.NextAttemptAt);
        Assert.Equal(Now(clock), test.OccurredAt);
        Assert.NotEqual(test.Id, test.EventId);
        Assert.Equivalent(test, Assert.Single(await DeliveriesAsync(backend, endpoint)), strict: true);
        Assert.Equal(1, (await backend.Webhooks.ListDeliveriesAsync(Org, Guid.Parse(endpoint.Id), 0, 10)).TotalResults);
        Assert.Equal(test.Id, Assert.Single(await backend.Webhooks.ClaimDueAsync(Claim())).Delivery.Id);

        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.TestWebhookAsync(Org, Guid.Parse(foreign.Id))));
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.TestWebhookAsync(Org, Guid.NewGuid())));
        Assert.Empty(await DeliveriesAsync(backend, foreign));
    }

    [Fact]
    public async Task Pending_deliveries_are_held_to_the_quota_and_given_back_when_they_end_or_their_endpoint_is_deleted()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock, o => o.Quotas.MaxPendingDeliveriesPerOrganization = 3);
        var mission = await MissionAsync(backend);
        var endpoint = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("down"));
        var id = Guid.Parse(endpoint.Id);
        var runId = Guid.Parse((await backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id); // 1: created
        await backend.Runs.ChangeRunAsync(Org, mission, runId, new RunChange(RunTransition.To(RunStatus.Running))); // 2: status_changed
        await backend.Events.LogEventAsync(Org, mission, runId, new NewEvent("message", "third", null, null, null, null)); // 3: event_logged

        // A change that would queue a fourth is refused, and nothing of it is stored.
        var refused = await Assert.ThrowsAsync<QuotaExceededException>(() =>
            backend.Events.LogEventAsync(Org, mission, runId, new NewEvent("message", "fourth", null, null, null, null)));
        Assert.Equal("Quotas:MaxPendingDeliveriesPerOrganization", refused.Quota);
        Assert.Equal(3, refused.Limit);
        await Assert.ThrowsAsync<QuotaExceededException>(() => backend.Runs.ChangeRunAsync(Org, mission, runId, new RunChange(RunTransition.To(RunStatus.Failed))));
        await Assert.ThrowsAsync<QuotaExceededException>(() => backend.Webhooks.TestWebhookAsync(Org, id));
        Assert.Equal(1, (await backend.Events.ListRunEventsAsync(Org, mission, runId, new EventFilter(), 0, 10)).TotalResults);
        Assert.Equal(RunStatus.Running, (await backend.Runs.GetRunAsync(Org, mission, runId)).Status);
        Assert.Equal(3, (await DeliveriesAsync(backend, endpoint)).Count);

        // A claim leaves them pending; ended ones make room: the failure (two deliveries) is stored.
        var claimed = await backend.Webhooks.ClaimDueAsync(Claim());
        Assert.Equal(3, claimed.Count);
        await Assert.ThrowsAsync<QuotaExceededException>(() => backend.Runs.ChangeRunAsync(Org, mission, runId, new RunChange(RunTransition.To(RunStatus.Failed))));
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(claimed[0].Delivery.Id), 1, true, 200, null, null, null));
        await Assert.ThrowsAsync<QuotaExceededException>(() => backend.Runs.ChangeRunAsync(Org, mission, runId, new RunChange(RunTransition.To(RunStatus.Failed))));
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(claimed[1].Delivery.Id), 1, false, 500, "final", null, null));
        await backend.Runs.ChangeRunAsync(Org, mission, runId, new RunChange(RunTransition.To(RunStatus.Failed)));
        Assert.Equal(5, (await DeliveriesAsync(backend, endpoint)).Count);

        // A retry of an ended one counts again.
        await Assert.ThrowsAsync<QuotaExceededException>(() => backend.Webhooks.RetryDeliveryAsync(Org, id, Guid.Parse(claimed[0].Delivery.Id)));

        // The endpoint's delete takes its deliveries and gives back what they held: with no endpoint, changes queue nothing.
        await backend.Webhooks.DeleteWebhookAsync(Org, id);
        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.ListDeliveriesAsync(Org, id, 0, 10)));
        Assert.Empty(await backend.Webhooks.ClaimDueAsync(Claim()));
        var second = Guid.Parse((await backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id);
        for (var i = 0; i < 5; i++)
        {
            await backend.Events.LogEventAsync(Org, mission, second, new NewEvent("message", $"unwatched {i}", null, null, null, null));
        }
        Assert.Equal(new[] { 0, 0, 0 }, await CountersAsync(backend, CounterKeys.PendingDeliveries(Org), CounterKeys.PendingDeliveriesOf(Org, endpoint.Id),
            CounterKeys.Deliveries(Org, endpoint.Id)));

        // Given back exactly: a new endpoint takes three again, and not a fourth.
        var next = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("up"));
        for (var i = 0; i < 3; i++)
        {
            await backend.Events.LogEventAsync(Org, mission, second, new NewEvent("message", $"watched {i}", null, null, null, null));
        }
        await Assert.ThrowsAsync<QuotaExceededException>(() => backend.Events.LogEventAsync(Org, mission, second, new NewEvent("message", "one too many", null, null, null, null)));
        Assert.Equal(3, (await DeliveriesAsync(backend, next)).Count);
    }

    [Fact]
    public async Task A_purge_removes_only_deliveries_that_ended_before_its_time_at_most_its_limit()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var endpoint = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("purged"));
        var foreign = await backend.Webhooks.CreateWebhookAsync(OtherOrg, Endpoint("foreign"));
        var id = Guid.Parse(endpoint.Id);
        var tests = new List<DeliveryDocument>();
        for (var i = 0; i < 4; i++)
        {
            tests.Add(await backend.Webhooks.TestWebhookAsync(Org, id));
        }
        var foreignTest = await backend.Webhooks.TestWebhookAsync(OtherOrg, Guid.Parse(foreign.Id));
        await backend.Webhooks.ClaimDueAsync(Claim());
        var start = Now(clock);
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(tests[0].Id), 1, true, 200, null, null, null));
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(tests[1].Id), 1, false, 500, "final", null, null));
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(tests[2].Id), 1, false, 500, "again", null, start + TimeSpan.FromDays(1)));
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(OtherOrg, Guid.Parse(foreignTest.Id), 1, true, 200, null, null, null));
        // tests[3] is still in flight (claimed, nothing recorded).
        clock.Now += TimeSpan.FromHours(1);
        var late = await backend.Webhooks.TestWebhookAsync(Org, id);
        await backend.Webhooks.ClaimDueAsync(Claim());
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(late.Id), 1, true, 200, null, null, null));

        Assert.Equal(0, await backend.Webhooks.PurgeDeliveriesAsync(start, 10)); // ended at start: not before it
        Assert.Equal(3, await backend.Webhooks.PurgeDeliveriesAsync(start + TimeSpan.FromMinutes(30), 10));
        Assert.Equal(new[] { tests[3].Id, tests[2].Id, late.Id }.Order(), (await DeliveriesAsync(backend, endpoint)).Select(d => d.Id).Order());
        Assert.Empty(await DeliveriesAsync(backend, foreign));
        Assert.Equal(3, (await backend.Webhooks.ListDeliveriesAsync(Org, id, 0, 1)).TotalResults);
        Assert.Equal(1, await backend.Webhooks.PurgeDeliveriesAsync(Now(clock) + TimeSpan.FromSeconds(1), 10));
        Assert.Equal(new[] { 2, 2 }, await CountersAsync(backend, CounterKeys.Deliveries(Org, endpoint.Id), CounterKeys.PendingDeliveries(Org)));

        // Bounded rounds, oldest first.
        var ended = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var test = await backend.Webhooks.TestWebhookAsync(Org, id);
            await backend.Webhooks.ClaimDueAsync(Claim());
            clock.Now += TimeSpan.FromSeconds(1);
            await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(test.Id), 1, true, 200, null, null, null));
            ended.Add(test.Id);
        }
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(2, await backend.Webhooks.PurgeDeliveriesAsync(Now(clock), 2));
        Assert.Equal(ended[2], Assert.Single(await DeliveriesAsync(backend, endpoint), d => d.Status != DeliveryStatus.Pending).Id);
        Assert.Equal(1, await backend.Webhooks.PurgeDeliveriesAsync(Now(clock), 2));
        Assert.Equal(0, await backend.Webhooks.PurgeDeliveriesAsync(Now(clock), 2));
        Assert.Equal(2, (await backend.Webhooks.ListDeliveriesAsync(Org, id, 0, 10)).TotalResults);
    }

    [Fact]
    public async Task Purges_in_one_batch_each_take_what_ended_before_their_own_time_within_their_own_limit()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var endpoint = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("purged"));
        var ended = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var test = await backend.Webhooks.TestWebhookAsync(Org, Guid.Parse(endpoint.Id));
            await backend.Webhooks.ClaimDueAsync(Claim());
            await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(test.Id), 1, true, 200, null, null, null));
            ended.Add(test.Id);
            clock.Now += TimeSpan.FromMinutes(1);
        }
        var start = Now(clock) - TimeSpan.FromMinutes(5); // when the first ended

        var purges = await PipelineBatches.OneBatchAsync(PipelineBatches.Of(backend), new[]
        {
            new PurgeDeliveries(start + TimeSpan.FromSeconds(90), 10), // the first two
            new PurgeDeliveries(Now(clock), 2), // two more, of the rest
        });
        Assert.Equal(new[] { 2, 2 }, await Task.WhenAll(purges).WaitAsync(Timeout));
        Assert.Equal(ended[4], Assert.Single(await DeliveriesAsync(backend, endpoint)).Id);
    }

    [Fact]
    public async Task A_setting_keeps_the_first_value_stored()
    {
        using var db = new TempDatabase();
        using (var backend = db.OpenBackend())
        {
            Assert.Equal("alpha", await backend.Webhooks.KeepSettingAsync(Missions.Grpc.Webhooks.WebhookKeys.SettingName, "alpha"));
            Assert.Equal("alpha", await backend.Webhooks.KeepSettingAsync(Missions.Grpc.Webhooks.WebhookKeys.SettingName, "beta"));
            Assert.Equal("x\0\uffff", await backend.Webhooks.KeepSettingAsync("other", "x\0\uffff"));

            // Two in one batch: the second finds the first's.
            var kept = await PipelineBatches.OneBatchAsync(PipelineBatches.Of(backend), [new KeepSetting("third", "one"), new KeepSetting("third", "two")]);
            Assert.Equal(["one", "one"], await Task.WhenAll(kept).WaitAsync(Timeout));
        }
        using (var reopened = db.OpenBackend())
        {
            Assert.Equal("alpha", await reopened.Webhooks.KeepSettingAsync(Missions.Grpc.Webhooks.WebhookKeys.SettingName, "gamma"));
            Assert.Equal("x\0\uffff", await reopened.Webhooks.KeepSettingAsync("other", "y"));
            Assert.Equal("one", await reopened.Webhooks.KeepSettingAsync("third", "three"));
        }
    }

    [Fact]
    public async Task An_endpoint_deleted_in_a_batch_takes_along_the_deliveries_the_batch_queued_or_changed_and_their_counts()
    {
        var clock = Clock();
        using var db = new TempDatabase();
        using var backend = db.OpenBackend(clock);
        var pipeline = PipelineBatches.Of(backend);
        var mission = await MissionAsync(backend);
        var runId = Guid.Parse((await backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id);
        var doomed = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("doomed"));
        var kept = await backend.Webhooks.CreateWebhookAsync(Org, Endpoint("kept"));
        var (doomedId, keptId) = (Guid.Parse(doomed.Id), Guid.Parse(kept.Id));
        var inFlight = await backend.Webhooks.TestWebhookAsync(Org, doomedId);
        var ended = await backend.Webhooks.TestWebhookAsync(Org, doomedId);
        var keptTest = await backend.Webhooks.TestWebhookAsync(Org, keptId);
        Assert.Equal(3, (await backend.Webhooks.ClaimDueAsync(Claim())).Count);
        await backend.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(ended.Id), 1, true, 200, null, null, null));
        clock.Now += TimeSpan.FromSeconds(1);

        // One batch: an event (a delivery to each endpoint), the delete, then the in-flight attempt's result, a purge, a retry
        // and a test of the deleted endpoint, and an event after it (the kept endpoint's only).
        var tasks = await PipelineBatches.OneBatchAsync<object>(pipeline, new WriteCommand<object>[]
        {
            new As<LoggedEvent>(new LogEvent(Org, mission, runId, new NewEvent("message", "before the delete", null, null, null, null))),
            new As<bool>(new DeleteWebhook(Org, doomedId)),
            new As<bool>(new RecordAttempt(new DeliveryAttempt(Org, Guid.Parse(inFlight.Id), 1, false, 500, "final", null, null))),
            new As<int>(new PurgeDeliveries(Now(clock) + TimeSpan.FromHours(1), 10)),
            new As<DeliveryDocument>(new RetryDelivery(Org, doomedId, Guid.Parse(ended.Id))),
            new As<DeliveryDocument>(new TestWebhook(Org, doomedId)),
            new As<LoggedEvent>(new LogEvent(Org, mission, runId, new NewEvent("message", "after the delete", null, null, null, null))),
        });
        await tasks[0].WaitAsync(Timeout);
        await tasks[1].WaitAsync(Timeout);
        Assert.False((bool)await tasks[2].WaitAsync(Timeout)); // its delivery went with the endpoint
        Assert.Equal(0, await tasks[3].WaitAsync(Timeout)); // nothing of the kept endpoint had ended
        Assert.Equal("Webhook", (await Assert.ThrowsAsync<ResourceNotFoundException>(() => tasks[4].WaitAsync(Timeout))).Resource);
        Assert.Equal("Webhook", (await Assert.ThrowsAsync<ResourceNotFoundException>(() => tasks[5].WaitAsync(Timeout))).Resource);
        await tasks[6].WaitAsync(Timeout);

        Assert.Equal("Webhook", await NotFoundAsync(() => backend.Webhooks.ListDeliveriesAsync(Org, doomedId, 0, 10)));
        var toKept = await DeliveriesAsync(backend, kept);
        Assert.Equal(3, toKept.Count);
        Assert.Equal(new[] { 3, 0, 0, 3, 3 },
            await CountersAsync(backend, CounterKeys.PendingDeliveries(Org), CounterKeys.PendingDeliveriesOf(Org, doomed.Id), CounterKeys.Deliveries(Org, doomed.Id),
                CounterKeys.PendingDeliveriesOf(Org, kept.Id), CounterKeys.Deliveries(Org, kept.Id)));
        Assert.Contains(keptTest.Id, toKept.Select(d => d.Id));
        var events = toKept.Where(d => d.EventType == WebhookEventTypes.EventLogged).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(["before the delete", "after the delete"], events.Select(d => WebhookSubject.Event(d.SubjectJson).Summary));
        Assert.Equal(events.Select(d => d.Id), (await backend.Webhooks.ClaimDueAsync(Claim())).Select(c => c.Delivery.Id)); // the test is in flight still
    }

    /// <summary>A command of another result type, as an object (one batch of mixed commands).</summary>
    private sealed class As<T>(WriteCommand<T> command) : WriteCommand<object>
    {
        public override string Operation => command.Operation;

        public override string? Organization => command.Organization;

        public override IEnumerable<Quota> Quotas(QuotaOptions quotas) => command.Quotas(quotas);

        public override void Declare(BatchNeeds needs) => command.Declare(needs);

        public override Outcome<object> Execute(BatchState batch)
        {
            var outcome = command.Execute(batch);
            return outcome.Failed ? Outcome<object>.Fail(outcome.Error!) : Outcome<object>.From(outcome.Value!);
        }
    }
}
