using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Tests.Infrastructure;
using Npgsql;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>
/// Webhooks with two backends on one database, as two replicas: their claims never take one delivery twice (row locks,
/// skipped by the other), a setting is the same for both, and an endpoint deleted while the other records an attempt of
/// its delivery or queues one to it leaves the organization's pending count exact.
/// </summary>
public sealed class WebhookReplicaTests
{
    private const string Org = "org";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Two_replicas_claiming_at_once_over_two_hundred_due_deliveries_claim_each_exactly_once()
    {
        using var db = new TempDatabase();
        using var a = db.OpenBackend();
        using var b = db.OpenBackend();
        var endpoints = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            endpoints.Add(Guid.Parse((await a.Webhooks.CreateWebhookAsync(Org, new NewWebhook($"https://e{i}.example.com", [], null, null, true))).Id));
        }
        // Queued through both replicas, many at once (their batches hold several).
        var queued = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? a : b).Webhooks.TestWebhookAsync(Org, endpoints[i % 4])));

        // Each replica claims from four loops at once (several claims in one batch too), small claims, until nothing is due.
        var start = new TaskCompletionSource();
        var loops = new[] { a, b }.SelectMany(backend => Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            var mine = new List<DueDelivery>();
            for (var empty = 0; empty < 3;)
            {
                var claimed = await backend.Webhooks.ClaimDueAsync(new DeliveryClaim(5, 1000, new Dictionary<Guid, int>(), Lease));
                empty = claimed.Count == 0 ? empty + 1 : 0;
                mine.AddRange(claimed);
            }
            return (backend, mine);
        }))).ToList();
        start.SetResult();
        var results = await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(120));

        var all = results.SelectMany(r => r.mine).ToList();
        Assert.Equal(queued.Select(d => d.Id).Order(), all.Select(c => c.Delivery.Id).Order()); // every one, each once
        Assert.All(all, c => Assert.Equal(1, c.Delivery.Attempts));
        Assert.True(results.Where(r => r.backend == a).Sum(r => r.mine.Count) > 0 && results.Where(r => r.backend == b).Sum(r => r.mine.Count) > 0,
            "one replica claimed everything: the claims did not overlap");
        Assert.Empty(await a.Webhooks.ClaimDueAsync(new DeliveryClaim(1000, 1000, new Dictionary<Guid, int>(), Lease)));
        foreach (var endpoint in endpoints)
        {
            Assert.All((await b.Webhooks.ListDeliveriesAsync(Org, endpoint, 0, 100)).Items, d => Assert.Equal(1, d.Attempts));
        }
    }

    [Fact]
    public async Task A_replica_that_stores_a_setting_another_stored_first_runs_its_batch_again_and_keeps_the_first_value()
    {
        using var db = new TempDatabase();
        using var a = db.OpenBackend();
        using var b = db.OpenBackend();

        // A's insert stops before its commit; B, finding none yet, inserts too and waits for A's on the primary key.
        await using (var writes = await WritesHeldAsync(db))
        {
            var first = a.Webhooks.KeepSettingAsync(Missions.Grpc.Webhooks.WebhookKeys.SettingName, "a's key");
            await writes.WaitForWaitersAsync(1);
            var second = b.Webhooks.KeepSettingAsync(Missions.Grpc.Webhooks.WebhookKeys.SettingName, "b's key");
            await Task.Delay(500);
            await writes.ReleaseAsync();
            Assert.Equal(["a's key", "a's key"], await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30)));
        }

        // Many at once, through both.
        for (var round = 0; round < 3; round++)
        {
            var name = $"setting-{round}";
            var kept = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).Webhooks.KeepSettingAsync(name, $"proposal {i}"))));
            Assert.Single(kept.Distinct());
            Assert.Equal(kept[0], await b.Webhooks.KeepSettingAsync(name, "late"));
        }
    }

    [Fact]
    public async Task An_endpoint_deleted_while_another_replica_records_an_attempt_of_its_delivery_takes_off_the_pending_count_once()
    {
        using var db = new TempDatabase();
        using var a = db.OpenBackend();
        using var b = db.OpenBackend();
        var kept = await a.Webhooks.CreateWebhookAsync(Org, new NewWebhook("https://kept.example.com", [], null, null, true));
        await a.Webhooks.TestWebhookAsync(Org, Guid.Parse(kept.Id));
        var doomed = Guid.Parse((await a.Webhooks.CreateWebhookAsync(Org, new NewWebhook("https://doomed.example.com", [], null, null, true))).Id);
        await a.Webhooks.TestWebhookAsync(Org, doomed);
        var inFlight = Assert.Single(await a.Webhooks.ClaimDueAsync(new DeliveryClaim(10, 10, new Dictionary<Guid, int> { [Guid.Parse(kept.Id)] = 0 }, Lease)));

        // B's attempt holds its delivery (loaded) and stops before its commit; then A deletes the endpoint.
        await using (var writes = await WritesHeldAsync(db))
        {
            var recorded = b.Webhooks.RecordAttemptAsync(new DeliveryAttempt(Org, Guid.Parse(inFlight.Delivery.Id), 1, false, 500, "final", null, null));
            await writes.WaitForWaitersAsync(1);
            var deleted = a.Webhooks.DeleteWebhookAsync(Org, doomed);
            await Task.Delay(500); // the delete waits for B on the endpoint (without that lock it would read the counts now)
            await writes.ReleaseAsync();
            await Task.WhenAll(recorded, deleted).WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(1, await PendingAsync(a)); // the kept endpoint's test: the in-flight one counted out once
    }

    [Fact]
    public async Task A_delivery_queued_by_one_replica_to_an_endpoint_the_other_is_deleting_is_not_stored_and_its_change_is()
    {
        using var db = new TempDatabase();
        using var a = db.OpenBackend();
        using var b = db.OpenBackend();
        var mission = Guid.Parse((await a.Missions.CreateMissionAsync(new NewMission(Org, "m", null, null, null, "external", null))).Id);
        var run = Guid.Parse((await a.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id);
        var kept = Guid.Parse((await a.Webhooks.CreateWebhookAsync(Org, new NewWebhook("https://kept.example.com", [], null, null, true))).Id);
        var doomed = Guid.Parse((await a.Webhooks.CreateWebhookAsync(Org, new NewWebhook("https://doomed.example.com", [], null, null, true))).Id);

        // A's delete stops before its commit; B's event, meanwhile, would queue a delivery to each endpoint it reads.
        await using (var writes = await WritesHeldAsync(db))
        {
            var deleted = a.Webhooks.DeleteWebhookAsync(Org, doomed);
            await writes.WaitForWaitersAsync(1);
            var logged = b.Events.LogEventAsync(Org, mission, run, new NewEvent("message", "raced", null, null, null, null));
            await Task.Delay(500); // B's load waits for A's batch (the organization's quota lock), then reads the endpoints
            await writes.ReleaseAsync();
            await Task.WhenAll(deleted, logged).WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(1, (await a.Events.ListRunEventsAsync(Org, mission, run, new EventFilter(), 0, 10)).TotalResults);
        Assert.Equal(WebhookEventTypes.EventLogged, Assert.Single((await a.Webhooks.ListDeliveriesAsync(Org, kept, 0, 10)).Items).EventType);
        Assert.Equal(1, await PendingAsync(a));
    }

    private static Task<int> PendingAsync(IStorageBackend backend) =>
        PipelineBatches.Of(backend).ExecuteAsync(new CounterRead(CounterKeys.PendingDeliveries(Org)), null, CancellationToken.None);

    /// <summary>
    /// Holds every batch's write of this database before its commit: the commit marker's table, locked by a transaction of
    /// the test's own (a batch's load goes through; its write stops at the marker's insert, after its rows).
    /// </summary>
    private static async Task<HeldWrites> WritesHeldAsync(TempDatabase db)
    {
        var connection = new NpgsqlConnection(db.Settings["Storage:Postgres:ConnectionString"]);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE write_markers IN EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }
        return new HeldWrites(connection, transaction);
    }

    private sealed class HeldWrites(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        private bool _released;

        /// <summary>Until <paramref name="count"/> batches wait at the marker's insert.</summary>
        public async Task WaitForWaitersAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE relation = 'write_markers'::regclass AND NOT granted", connection, transaction);
                if ((long)(await waiting.ExecuteScalarAsync(timeout.Token))! >= count)
                {
                    return;
                }
                await Task.Delay(20, timeout.Token);
            }
        }

        public async Task ReleaseAsync()
        {
            _released = true;
            await transaction.CommitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_released)
            {
                await transaction.RollbackAsync();
            }
            await connection.DisposeAsync();
        }
    }

    /// <summary>A counter as a batch sees it.</summary>
    private sealed class CounterRead(string key) : Missions.Grpc.Storage.Writing.WriteCommand<int>
    {
        public override string Operation => "CounterRead";

        public override string? Organization => null;

        public override void Declare(Missions.Grpc.Storage.Writing.BatchNeeds needs) => needs.Counters.Add(key);

        public override Outcome<int> Execute(Missions.Grpc.Storage.Writing.BatchState batch) => batch.Counter(key);
    }
}
