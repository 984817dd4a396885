using Missions.Grpc.Storage;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// A commit that fails where its outcome cannot simply be read back: the log write under it failed after its commit
/// page reached the file, and the files cannot be opened again. If the failed commit can be cut from the log it is
/// (so it is certainly not stored and its caller is told so); if not, the caller is told the outcome is unknown, and
/// the store settles it from the files as soon as they open again, publishing it to watchers if it was stored.
/// </summary>
public sealed class CommitOutcomeTests
{
    private const string Org = TestKeys.OrgA;

    [Fact]
    public async Task A_failed_commit_that_cannot_be_read_back_is_cut_from_the_log_and_refused_as_not_written()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        Guid mission, run;
        using (var store = CommitFaultSweepTests.Open(db.Path, disk))
        {
            (mission, run) = await NewRunWithProbesAsync(store);
            disk.FailLogWrites(skip: await LogWritesOfThirdEventAsync("cut from the log") - 1, WriteFault.After, count: 1); // its commit page
            disk.FailDataOpens = true; // the files cannot be opened to read the outcome back; the log can still be cut

            var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => LogAsync(store, mission, run, "cut from the log"));
            Assert.False(refused.OutcomeUnknown);
            Assert.Equal(StorageHealthStatus.Unavailable, store.Health.Check().Status);
            await Assert.ThrowsAsync<StorageUnavailableException>(() => store.Missions.GetMissionAsync(Org, mission)); // reads: at once, not after a wait

            disk.Lift();
            await Task.Delay(TimeSpan.FromSeconds(1.1)); // the next attempt is due
            await LogAsync(store, mission, run, "after");
        }
        using var reopened = CommitFaultSweepTests.Open(db.Path, new FaultyDisk());
        Assert.Equal(["probe 1", "probe 2", "after"], await SummariesAsync(reopened, mission, run));
    }

    [Fact]
    public async Task A_failed_commit_whose_outcome_cannot_be_established_is_reported_unknown_then_settled_from_the_files()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        Guid mission, run;
        List<string> watched = [];
        using (var store = CommitFaultSweepTests.Open(db.Path, disk))
        {
            (mission, run) = await NewRunWithProbesAsync(store);
            using var watcher = store.Published.Subscribe(Org, run, capacity: 100);
            disk.FailLogWrites(skip: await LogWritesOfThirdEventAsync("stored after all") - 1, WriteFault.After, count: 1);
            disk.FailDataOpens = true;
            disk.FailTruncates = true;

            var unknown = await Assert.ThrowsAsync<StorageUnavailableException>(() => LogAsync(store, mission, run, "stored after all"));
            Assert.True(unknown.OutcomeUnknown);
            Assert.Equal("WRITE_OUTCOME_UNKNOWN", unknown.Reason);

            disk.Lift();
            await Task.Delay(TimeSpan.FromSeconds(1.1));
            await LogAsync(store, mission, run, "after"); // opens the files, which say the unknown commit is stored
            while (watcher.Items.TryRead(out var item))
            {
                watched.Add(((EventCommitted)item).Event.Summary);
            }
        }
        Assert.Equal(["stored after all", "after"], watched);
        using var reopened = CommitFaultSweepTests.Open(db.Path, new FaultyDisk());
        Assert.Equal(["probe 1", "probe 2", "stored after all", "after"], await SummariesAsync(reopened, mission, run));
    }

    [Fact]
    public async Task While_the_files_are_being_reopened_after_a_fault_storage_is_degraded_not_down()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        using var store = CommitFaultSweepTests.Open(db.Path, disk);
        var (mission, run) = await NewRunWithProbesAsync(store);
        using var hold = new ManualResetEventSlim(false);
        disk.HoldDataOpens = hold;
        disk.FailLogWrites(skip: 0, WriteFault.Before, count: 1);

        var refused = LogAsync(store, mission, run, "refused"); // answered once the reopened files tell its outcome
        try
        {
            Assert.True(disk.DataOpenHeld.Wait(TimeSpan.FromSeconds(10)), "the writer reopens the files");
            // Reads wait for the swap rather than fail: the health report must not say Unavailable (an error line per probe).
            var report = store.Health.Check();
            Assert.Equal(StorageHealthStatus.Degraded, report.Status);
            Assert.Contains("being reopened", report.Description);
            var read = Task.Run(() => store.Missions.GetMissionAsync(Org, mission));
            hold.Set();
            Assert.Equal(mission.ToString(), (await read).Id);
            await Assert.ThrowsAsync<StorageUnavailableException>(() => refused);
        }
        finally
        {
            disk.HoldDataOpens = null;
            hold.Set();
        }
    }

    /// <summary>
    /// The retry an Idempotency-Key is for: a keyed write whose commit failed after its page reached the log, whose outcome
    /// the files could not be asked at once (503, outcome unknown). Once they open again, the retry with the same key
    /// replays the stored answer: one mission, the first attempt's id.
    /// </summary>
    [Fact]
    public async Task A_keyed_write_whose_outcome_was_unknown_is_replayed_by_its_retry_once_the_files_tell_it_was_stored()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        using (var store = CommitFaultSweepTests.Open(db.Path, disk))
        {
            await NewRunWithProbesAsync(store);
            disk.FailLogWrites(skip: await LogWritesOfKeyedCreateAsync() - 1, WriteFault.After, count: 1);
            disk.FailDataOpens = true;
            disk.FailTruncates = true;
            var unknown = await Assert.ThrowsAsync<StorageUnavailableException>(() => CreateAsync(store, "outcome unknown", Keyed("key-unknown")));
            Assert.True(unknown.OutcomeUnknown);

            disk.Lift();
            await Task.Delay(TimeSpan.FromSeconds(1.1)); // the next attempt is due
            var retry = Keyed("key-unknown");
            var replayed = await CreateAsync(store, "outcome unknown", retry);
            Assert.True(retry.Replayed); // the files hold the first attempt, with its key
            Assert.Equal(["outcome unknown", "outcomes"], await MissionNamesAsync(store));

            var again = Keyed("key-unknown");
            Assert.Equal(replayed.Id, (await CreateAsync(store, "outcome unknown", again)).Id);
            Assert.True(again.Replayed);
        }
        using var reopened = CommitFaultSweepTests.Open(db.Path, new FaultyDisk());
        Assert.Equal(["outcome unknown", "outcomes"], await MissionNamesAsync(reopened));
    }

    /// <summary>A mission with a run holding two events, "probe 1" and "probe 2".</summary>
    private static async Task<(Guid Mission, Guid Run)> NewRunWithProbesAsync(LiteDbBackend store)
    {
        var mission = Guid.Parse((await store.Missions.CreateMissionAsync(new NewMission(Org, "outcomes", null, null, null, "external", null))).Id);
        var run = Guid.Parse((await store.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id);
        await LogAsync(store, mission, run, "probe 1");
        await LogAsync(store, mission, run, "probe 2");
        return (mission, run);
    }

    /// <summary>
    /// How many log writes the event <paramref name="summary"/> takes after <see cref="NewRunWithProbesAsync"/> on a new
    /// file (the same steps write the same pages): the last of them is its commit page.
    /// </summary>
    private static async Task<int> LogWritesOfThirdEventAsync(string summary)
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        using var store = CommitFaultSweepTests.Open(db.Path, disk);
        var (mission, run) = await NewRunWithProbesAsync(store);
        var before = disk.LogWrites;
        await LogAsync(store, mission, run, summary);
        return disk.LogWrites - before;
    }

    /// <summary>How many log writes a keyed create takes after <see cref="NewRunWithProbesAsync"/> on a new file.</summary>
    private static async Task<int> LogWritesOfKeyedCreateAsync()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        using var store = CommitFaultSweepTests.Open(db.Path, disk);
        await NewRunWithProbesAsync(store);
        var before = disk.LogWrites;
        await CreateAsync(store, "counted", Keyed("key-counted"));
        return disk.LogWrites - before;
    }

    /// <summary>A request's key as the API passes it to its write (the same request: the same fingerprint).</summary>
    private static IdempotencyScope Keyed(string key) => new(Org, key, "fingerprint-of-the-request", TimeSpan.FromHours(1));

    private static Task<MissionDocument> CreateAsync(LiteDbBackend store, string name, IdempotencyScope? idempotency = null) =>
        store.Missions.CreateMissionAsync(new NewMission(Org, name, null, null, null, "external", null), idempotency).WaitAsync(TimeSpan.FromSeconds(30));

    private static async Task<List<string>> MissionNamesAsync(LiteDbBackend store) =>
        (await store.Missions.ListMissionsAsync(Org, 0, 100)).Items.Select(m => m.Name).Order().ToList();

    private static Task<LoggedEvent> LogAsync(LiteDbBackend store, Guid mission, Guid run, string summary) =>
        store.Events.LogEventAsync(Org, mission, run, new NewEvent("message", summary, null, null, null, null)).WaitAsync(TimeSpan.FromSeconds(30));

    private static async Task<List<string>> SummariesAsync(LiteDbBackend store, Guid mission, Guid run) =>
        (await store.Events.ListRunEventsAsync(Org, mission, run, new EventFilter(), 0, 100)).Items.Select(e => e.Summary).ToList();
}
