using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>The embedded store: concurrency, durability across restarts, start-up guards.</summary>
public sealed class LiteDbBackendTests
{
    private static LiteDbBackend Open(string path) => new LiteDbBackend(
        Options.Create(new StorageOptions { LiteDb = new LiteDbOptions { Path = path } }),
        NullLogger<LiteDbBackend>.Instance).Opened();

    private static NewMission Mission(string name, string org = TestKeys.OrgA) =>
        new(org, name, null, null, null, "external", null);

    [Fact]
    public async Task Fifty_concurrent_creates_get_fifty_distinct_ids_and_are_all_stored()
    {
        await using var app = new MissionsApp();
        var client = app.Rest();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            client.PostAsync("/v2/ai/missions", $$"""{"name":"concurrent-{{i}}"}""")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        var ids = responses.Select(r => Guid.Parse((string)r.Json!["data"]!["mission_id"]!)).ToList();
        Assert.Equal(50, ids.Distinct().Count());
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var stored = await app.Store.GetMissionAsync(TestKeys.OrgA, id);
            Assert.Equal($"concurrent-{i}", stored?.Name);
        }
    }

    [Fact]
    public async Task Data_survives_a_restart_on_the_same_file()
    {
        using var db = new TempDatabase();
        string body;
        Guid id;
        await using (var first = new MissionsApp(db))
        {
            var (status, json, _) = await first.Rest().PostAsync("/v2/ai/missions",
                """{"name":"durable","description":"d","metadata":{"k":[1,{"z":null}]}}""");
            Assert.Equal(HttpStatusCode.Created, status);
            body = json!["data"]!.ToJsonString();
            id = Guid.Parse((string)json["data"]!["mission_id"]!);
        }
        await using var second = new MissionsApp(db);
        var stored = await second.Store.GetMissionAsync(TestKeys.OrgA, id);
        Assert.NotNull(stored);
        Assert.Equal("durable", stored.Name);
        Assert.Equal("d", stored.Description);
        Assert.Equal("""{ "k": [ 1, { "z": null } ] }""", stored.MetadataJson);
        Assert.Contains(stored.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ss.fff"), body);
    }

    [Fact]
    public async Task Ids_are_strictly_increasing_in_creation_order()
    {
        using var db = new TempDatabase();
        using var store = Open(db.Path);
        var created = new List<string>();
        for (var i = 0; i < 500; i++)
        {
            created.Add((await store.Missions.CreateMissionAsync(Mission($"m{i}"))).Id);
        }
        Assert.Equal(created.Order(StringComparer.Ordinal), created);
        Assert.Equal(created.Count, created.Distinct().Count());
    }

    [Fact]
    public void A_second_store_on_the_same_file_is_refused_with_a_clear_message()
    {
        using var db = new TempDatabase();
        using var first = Open(db.Path);
        var error = Assert.Throws<StorageStartException>(() => Open(db.Path));
        Assert.Contains("in use by another process", error.Message);
    }

    [Fact]
    public void A_log_file_without_its_data_file_is_refused()
    {
        using var db = new TempDatabase();
        File.WriteAllText(Path.Combine(db.Directory, "missions-log.db"), "stale");
        var error = Assert.Throws<StorageStartException>(() => Open(db.Path));
        Assert.Contains("without its data file", error.Message);
    }

    [Fact]
    public async Task Organizations_whose_names_differ_only_in_case_are_separate_tenants()
    {
        using var db = new TempDatabase();
        using var store = Open(db.Path);
        var upper = await store.Missions.CreateMissionAsync(Mission("secret of Acme", "Acme"));
        var lower = await store.Missions.CreateMissionAsync(Mission("of acme", "acme"));

        var acmeUpper = await store.Missions.ListMissionsAsync("Acme", 0, 10);
        var acmeLower = await store.Missions.ListMissionsAsync("acme", 0, 10);
        Assert.Equal([upper.Id], acmeUpper.Items.Select(m => m.Id));
        Assert.Equal(1, acmeUpper.TotalResults);
        Assert.Equal([lower.Id], acmeLower.Items.Select(m => m.Id));
        Assert.Equal(1, acmeLower.TotalResults);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => store.Missions.GetMissionAsync("acme", Guid.Parse(upper.Id)));
    }

    [Fact]
    public async Task Other_organizations_do_not_see_a_mission()
    {
        using var db = new TempDatabase();
        using var store = Open(db.Path);
        var created = await store.Missions.CreateMissionAsync(Mission("mine"));
        Assert.Equal(created.Id, (await store.Missions.GetMissionAsync(TestKeys.OrgA, Guid.Parse(created.Id))).Id);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => store.Missions.GetMissionAsync(TestKeys.OrgB, Guid.Parse(created.Id)));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => store.Missions.GetMissionAsync(TestKeys.OrgA, Guid.NewGuid()));
    }

    [Fact]
    public async Task Concurrent_transitions_at_the_store_let_exactly_one_win_and_keep_every_count_right()
    {
        using var db = new TempDatabase();
        using var store = Open(db.Path);
        var mission = Guid.Parse((await store.Missions.CreateMissionAsync(Mission("races"))).Id);
        var runs = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            var run = Guid.Parse((await store.Runs.CreateRunAsync(TestKeys.OrgA, mission, new NewRun(null, null))).Id);
            await store.Runs.ChangeRunAsync(TestKeys.OrgA, mission, run, new RunChange(RunTransition.To(RunStatus.Running)));
            runs.Add(run);
        }

        // Per run: a pause, a cancel and a failure, all at once; each run ends in the status of one winner.
        var attempts = runs.SelectMany(run => new[] { RunChange.Pause, RunChange.Cancel, new RunChange(RunTransition.To(RunStatus.Failed)) }
            .Select(change => (run, change))).ToList();
        var outcomes = await Task.WhenAll(attempts.Select(async a =>
        {
            try
            {
                return (a.run, (await store.Runs.ChangeRunAsync(TestKeys.OrgA, mission, a.run, a.change)).Status);
            }
            catch (ConflictException)
            {
                return (a.run, (string?)null);
            }
        }));

        var byStatus = new Dictionary<string, int>();
        foreach (var run in runs)
        {
            var final = await store.Runs.GetRunAsync(TestKeys.OrgA, mission, run);
            var wins = outcomes.Where(o => o.run == run && o.Item2 is not null).Select(o => o.Item2!).ToList();
            // A pause may be followed by a cancel or a failure (both allowed from paused); never two terminal wins.
            Assert.Contains(final.Status, new[] { RunStatus.Paused, RunStatus.Cancelled, RunStatus.Failed });
            Assert.Contains(final.Status, wins);
            Assert.Single(wins, RunStatus.IsTerminal);
            Assert.Equal(RunStatus.IsTerminal(final.Status), final.FinishedAt is not null);
            byStatus[final.Status] = byStatus.GetValueOrDefault(final.Status) + 1;
        }
        foreach (var status in RunStatus.All)
        {
            var listed = await store.Runs.ListRunsAsync(TestKeys.OrgA, new RunFilter(Status: status), 0, 100);
            var ofMission = await store.Runs.ListRunsAsync(TestKeys.OrgA, new RunFilter(mission, status), 0, 100);
            Assert.Equal(byStatus.GetValueOrDefault(status), listed.TotalResults);
            Assert.Equal(listed.TotalResults, listed.Items.Count);
            Assert.Equal(listed.TotalResults, ofMission.TotalResults);
            Assert.All(listed.Items, r => Assert.Equal(status, r.Status));
        }
        Assert.Equal(20, (await store.Runs.ListRunsAsync(TestKeys.OrgA, new RunFilter(), 0, 100)).TotalResults);
    }

    [Fact]
    public async Task Runs_survive_a_reopen_with_their_status_and_times()
    {
        using var db = new TempDatabase();
        RunDocument finished;
        Guid mission;
        using (var store = Open(db.Path))
        {
            mission = Guid.Parse((await store.Missions.CreateMissionAsync(Mission("durable runs"))).Id);
            var run = Guid.Parse((await store.Runs.CreateRunAsync(TestKeys.OrgA, mission, new NewRun("""{"a":1}""", null))).Id);
            finished = await store.Runs.ChangeRunAsync(TestKeys.OrgA, mission, run,
                new RunChange(RunTransition.To(RunStatus.Failed), Error: "boom"));
        }
        using var reopened = Open(db.Path);

        var stored = await reopened.Runs.GetRunAsync(TestKeys.OrgA, mission, Guid.Parse(finished.Id));
        Assert.Equal(finished, stored);
        Assert.Equal(1, (await reopened.Runs.ListRunsAsync(TestKeys.OrgA, new RunFilter(Status: RunStatus.Failed), 0, 10)).TotalResults);
    }
    [Fact]
    public async Task Counters_changed_by_commands_of_one_batch_are_read_and_written_as_one()
    {
        using var db = new TempDatabase();
        using var store = Open(db.Path);
        var mission = Guid.Parse((await store.Missions.CreateMissionAsync(Mission("batched"))).Id);
        var run = Guid.Parse((await store.Runs.CreateRunAsync(TestKeys.OrgA, mission, new NewRun(null, null))).Id);

        // Concurrent commands share batches: the writer folds their counter changes, and each still sees the others'.
        var plans = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            try
            {
                await store.Plans.AddStepsAsync(TestKeys.OrgA, mission, run, [new NewStep($"s{i}", "step", 1, null, null)], initialPlan: true);
                return "created";
            }
            catch (ConflictException conflict)
            {
                return conflict.Reason;
            }
        }));
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            store.Events.LogEventAsync(TestKeys.OrgA, mission, run, new NewEvent(i % 2 == 0 ? "message" : "custom", $"e{i}", null, null, null, null))));

        Assert.Equal(1, plans.Count(p => p == "created")); // one plan; every other create saw it within the batch
        Assert.All(plans.Where(p => p != "created"), p => Assert.Equal("PLAN_EXISTS", p));
        Assert.Single(await store.Plans.GetPlanAsync(TestKeys.OrgA, mission, run));
        Assert.Equal(64, (await store.Events.ListRunEventsAsync(TestKeys.OrgA, mission, run, new EventFilter(null, null, null), 0, 1)).TotalResults);
        Assert.Equal(32, (await store.Events.ListRunEventsAsync(TestKeys.OrgA, mission, run, new EventFilter("message", null, null), 0, 1)).TotalResults);
        Assert.Equal(64, (await store.Events.ListRecentEventsAsync(TestKeys.OrgA, null, 0, 1)).TotalResults);
    }

    [Fact]
    public async Task A_missions_attachment_count_follows_every_change_and_a_mission_stored_without_one_is_still_read_whole()
    {
        using var db = new TempDatabase();
        Guid kept, legacy, clone;
        using (var store = Open(db.Path))
        {
            kept = Guid.Parse((await store.Missions.CreateMissionAsync(Mission("kept"))).Id);
            await store.Attachments.CreateAttachmentAsync(TestKeys.OrgA, kept, AttachmentKind.Tool, "t1", "{}");
            await store.Attachments.CreateAttachmentAsync(TestKeys.OrgA, kept, AttachmentKind.McpServer, "m1", "{}");
            await store.Attachments.DeleteAttachmentAsync(TestKeys.OrgA, kept, AttachmentKind.Tool, "t1");
            clone = Guid.Parse((await store.Missions.CloneMissionAsync(TestKeys.OrgA, kept))!.Id);
            legacy = Guid.Parse((await store.Missions.CreateMissionAsync(Mission("stored before counts"))).Id);
            await store.Attachments.CreateAttachmentAsync(TestKeys.OrgA, legacy, AttachmentKind.KnowledgeBase, "k1", "{}");
        }
        using (var raw = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = db.Path, Connection = LiteDB.ConnectionType.Direct }))
        {
            var missions = raw.GetCollection(LiteDbSchema.Missions);
            Assert.Equal(1, missions.FindById(kept.ToString())["AttachmentCount"].AsInt32);
            Assert.Equal(1, missions.FindById(clone.ToString())["AttachmentCount"].AsInt32);
            var old = missions.FindById(legacy.ToString());
            Assert.True(old.Remove("AttachmentCount")); // as written before the count was kept
            missions.Update(old);
        }
        using (var store = Open(db.Path))
        {
            Assert.Equal(["m1"], (await store.Attachments.GetMissionWithAttachmentsAsync(TestKeys.OrgA, kept))!.Attachments[AttachmentKind.McpServer].Select(a => a.ItemId));
            Assert.Empty((await store.Attachments.GetMissionWithAttachmentsAsync(TestKeys.OrgA, kept))!.Attachments[AttachmentKind.Tool]);
            Assert.Single((await store.Attachments.GetMissionWithAttachmentsAsync(TestKeys.OrgA, clone))!.Attachments[AttachmentKind.McpServer]);
            Assert.Equal(["k1"], (await store.Attachments.GetMissionWithAttachmentsAsync(TestKeys.OrgA, legacy))!.Attachments[AttachmentKind.KnowledgeBase].Select(a => a.ItemId));
            await store.Attachments.DeleteAttachmentAsync(TestKeys.OrgA, kept, AttachmentKind.McpServer, "m1");
            Assert.All((await store.Attachments.GetMissionWithAttachmentsAsync(TestKeys.OrgA, kept))!.Attachments.Values, Assert.Empty);
        }
    }
}
