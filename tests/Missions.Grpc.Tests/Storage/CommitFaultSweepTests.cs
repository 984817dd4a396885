using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// A storage fault at every log write of a sequence of commits — failing before the write, tearing it, or after it was
/// written (a commit's pages go out as one write: LiteDbFile gathers them) — and each time: what the callers were told is exactly what the files hold after a restart (acknowledged
/// once, refused absent, nothing twice), a watcher of the run received exactly the acknowledged events, and reads
/// went on during the outage.
/// </summary>
public sealed class CommitFaultSweepTests(ITestOutputHelper output)
{
    private const string Org = TestKeys.OrgA;
    private const int Rounds = 5;

    internal static LiteDbBackend Open(string path, FaultyDisk disk, long checkpointLogBytes = 8 << 20) => new LiteDbBackend(
        Options.Create(new StorageOptions { LiteDb = new LiteDbOptions { Path = path, CheckpointLogBytes = checkpointLogBytes, MinFreeBytes = 0 } }),
        NullLogger<LiteDbBackend>.Instance, null, disk).Opened();

    /// <summary>
    /// What one sweep case did: each write's name and whether its caller was told it was stored; and how many writes
    /// were acknowledged although a log write failed under them (the failing write came after their commit page).
    /// </summary>
    private sealed record Told(List<(string Name, bool Stored)> Missions, List<(string Summary, bool Stored)> Events)
    {
        public int AcknowledgedThroughFault { get; set; }
    }

    [Theory]
    [InlineData(WriteFault.Before)]
    [InlineData(WriteFault.Torn)]
    [InlineData(WriteFault.After)]
    public async Task Every_log_write_of_a_commit_sequence_may_fail_and_callers_are_told_what_the_files_hold(WriteFault fault)
    {
        var writesPerSequence = await CountLogWritesAsync();
        var refused = 0;
        var acknowledgedThroughFault = 0;
        for (var skip = 0; skip <= writesPerSequence; skip++)
        {
            using var db = new TempDatabase();
            var disk = new FaultyDisk();
            Guid mission, run;
            Told told;
            List<string> watched;
            using (var store = Open(db.Path, disk))
            {
                (mission, run) = await SetUpAsync(store);
                using var watcher = store.Published.Subscribe(Org, run, capacity: 100);
                disk.FailLogWrites(skip, fault, errno: skip % 2 == 0 ? FaultyDisk.Eio : FaultyDisk.Enospc);
                told = await WriteSequenceAsync(store, disk, mission, run);

                // Reads go on while writes fail, and show exactly what was acknowledged.
                var listed = (await store.Missions.ListMissionsAsync(Org, 0, 100)).Items.Select(m => m.Name).ToHashSet();
                Assert.Equal(told.Missions.Where(m => m.Stored).Select(m => m.Name).Append("setup").Order(), listed.Order());
                watched = Drain(watcher);
            }

            disk.Lift();
            using (var reopened = Open(db.Path, disk))
            {
                var stored = (await reopened.Missions.ListMissionsAsync(Org, 0, 100)).Items.Select(m => m.Name).ToList();
                Assert.Equal(told.Missions.Where(m => m.Stored).Select(m => m.Name).Append("setup").Order(), stored.Order()); // once each, nothing refused
                var events = (await reopened.Events.ListRunEventsAsync(Org, mission, run, new EventFilter(), 0, 100)).Items.Select(e => e.Summary).ToList();
                var acknowledgedEvents = told.Events.Where(e => e.Stored).Select(e => e.Summary).ToList();
                Assert.Equal(acknowledgedEvents, events);
                Assert.Equal(acknowledgedEvents, watched);
            }
            refused += told.Missions.Count(m => !m.Stored) + told.Events.Count(e => !e.Stored);
            acknowledgedThroughFault += told.AcknowledgedThroughFault;
        }
        output.WriteLine($"{fault}: {writesPerSequence + 1} fault positions, {refused} writes refused, " +
            $"{acknowledgedThroughFault} acknowledged although the log write that failed was theirs (their commit page had reached the file)");
        if (fault == WriteFault.After)
        {
            // The failed write held the whole commit, which reached the file: stored, and every such caller is told so.
            Assert.True(acknowledgedThroughFault > 0, "a commit whose last page was written before the error must be reported stored");
        }
        else
        {
            Assert.True(refused > 0);
            Assert.Equal(0, acknowledgedThroughFault); // a commit page that never fully reached the file is never acknowledged
        }
    }

    /// <summary>How many log writes the write sequence takes without faults (the sweep covers each).</summary>
    private static async Task<int> CountLogWritesAsync()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        using var store = Open(db.Path, disk);
        var (mission, run) = await SetUpAsync(store);
        var before = disk.LogWrites;
        var told = await WriteSequenceAsync(store, disk, mission, run);
        Assert.All(told.Missions, m => Assert.True(m.Stored));
        return disk.LogWrites - before;
    }

    private static async Task<(Guid Mission, Guid Run)> SetUpAsync(LiteDbBackend store)
    {
        var mission = Guid.Parse((await store.Missions.CreateMissionAsync(new NewMission(Org, "setup", null, null, null, "external", null))).Id);
        var run = Guid.Parse((await store.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id);
        return (mission, run);
    }

    /// <summary>Missions and events one after the other (one batch each), recording what each caller was told.</summary>
    private static async Task<Told> WriteSequenceAsync(LiteDbBackend store, FaultyDisk disk, Guid mission, Guid run)
    {
        var told = new Told([], []);
        for (var i = 0; i < Rounds; i++)
        {
            var name = $"mission {i}";
            told.Missions.Add((name, await StoredAsync(told, disk, () => store.Missions.CreateMissionAsync(new NewMission(Org, name, null, null, null, "external", null)))));
            var summary = $"event {i}";
            told.Events.Add((summary, await StoredAsync(told, disk, () => store.Events.LogEventAsync(Org, mission, run, new NewEvent("message", summary, null, null, null, null)))));
        }
        return told;
    }

    /// <summary>True when the write was acknowledged, false when it was refused as not written; anything else fails the test.</summary>
    private static async Task<bool> StoredAsync(Told told, FaultyDisk disk, Func<Task> write)
    {
        var faultsBefore = disk.Injected;
        try
        {
            await write().WaitAsync(TimeSpan.FromSeconds(30));
            told.AcknowledgedThroughFault += disk.Injected > faultsBefore ? 1 : 0;
            return true;
        }
        catch (StorageUnavailableException refused)
        {
            Assert.False(refused.OutcomeUnknown);
            Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));
            return false;
        }
    }

    private static List<string> Drain(RunSubscription watcher)
    {
        var summaries = new List<string>();
        while (watcher.Items.TryRead(out var item))
        {
            if (item is EventCommitted committed)
            {
                summaries.Add(committed.Event.Summary);
            }
        }
        return summaries;
    }
}
