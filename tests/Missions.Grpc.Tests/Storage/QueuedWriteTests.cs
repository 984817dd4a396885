using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// A write its caller gives up on (a deadline, a client gone) while it waits in the writer's queue is never run; one the
/// writer has taken runs to its outcome, and that outcome is what its caller is told.
/// </summary>
public sealed class QueuedWriteTests
{
    private const string Org = TestKeys.OrgA;

    [Fact]
    public async Task A_queued_write_whose_caller_gives_up_is_not_run_and_the_write_in_progress_completes()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        using var store = CommitFaultSweepTests.Open(db.Path, disk);
        await store.Missions.CreateMissionAsync(Mission("before")); // the writer is up and idle
        using var hold = new ManualResetEventSlim(false);
        disk.HoldLogWrites = hold;

        var inProgress = store.Missions.CreateMissionAsync(Mission("in progress"), cancellationToken: new CancellationTokenSource(TimeSpan.FromMilliseconds(300)).Token);
        try
        {
            Assert.True(disk.LogWriteHeld.Wait(TimeSpan.FromSeconds(10)), "the writer is committing the first write");
            using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            var queued = store.Missions.CreateMissionAsync(Mission("given up"), cancellationToken: deadline.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued).WaitAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(400); // the first write's own deadline passes too, while it is being committed
        }
        finally
        {
            disk.HoldLogWrites = null;
            hold.Set();
        }

        // Its own caller's deadline passed while it was being committed: it is committed, and reported so.
        Assert.Equal("in progress", (await inProgress).Name);
        var after = await store.Missions.CreateMissionAsync(Mission("after"));
        var stored = (await store.Missions.ListMissionsAsync(Org, 0, 10)).Items.Select(m => m.Name).Order();
        Assert.Equal(["after", "before", "in progress"], stored);
        Assert.NotNull(after);
    }

    private static NewMission Mission(string name) => new(Org, name, null, null, null, "external", null);
}
