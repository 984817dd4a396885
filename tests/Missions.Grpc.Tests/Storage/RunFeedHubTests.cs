using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Writing;

namespace Missions.Grpc.Tests.Storage;

/// <summary>The in-process run feed: per-run delivery, a bounded buffer per reader, nothing kept after the last reader.</summary>
public sealed class RunFeedHubTests
{
    private static RunChanged Change(string runId) => new(new RunDocument
    {
        Id = runId,
        Organization = "o",
        MissionId = "m",
        Status = RunStatus.Running,
        StartedAt = DateTime.UtcNow,
        UpdatedAt = DateTime.UtcNow,
    });

    [Fact]
    public void Readers_get_their_runs_changes_only_within_their_organization()
    {
        var hub = new RunFeedHub();
        var run = Guid.CreateVersion7();
        using var reader = hub.Subscribe("o", run, 8);
        using var otherOrg = hub.Subscribe("p", run, 8);

        hub.Publish("o", run.ToString(), Change(run.ToString()));
        hub.Publish("o", Guid.CreateVersion7().ToString(), Change("elsewhere"));

        Assert.True(reader.Items.TryRead(out var item));
        Assert.Equal(run.ToString(), ((RunChanged)item).Run.Id);
        Assert.False(reader.Items.TryRead(out _));
        Assert.False(otherOrg.Items.TryRead(out _));
    }

    [Fact]
    public async Task A_full_buffer_ends_the_subscription_as_overflowed_after_what_it_holds()
    {
        var hub = new RunFeedHub();
        var run = Guid.CreateVersion7();
        using var slow = hub.Subscribe("o", run, 3);

        for (var i = 0; i < 10; i++)
        {
            hub.Publish("o", run.ToString(), Change(run.ToString())); // never blocks
        }

        var held = new List<RunFeedItem>();
        await foreach (var item in slow.Items.ReadAllAsync())
        {
            held.Add(item);
        }
        Assert.Equal(3, held.Count);
        Assert.True(slow.Overflowed);
    }

    [Fact]
    public void A_run_without_readers_holds_no_entry()
    {
        var hub = new RunFeedHub();
        var subscriptions = Enumerable.Range(0, 50).Select(_ => hub.Subscribe("o", Guid.CreateVersion7(), 4)).ToList();
        Assert.Equal(50, hub.WatchedRuns);

        subscriptions.ForEach(s => s.Dispose());

        Assert.Equal(0, hub.WatchedRuns);
    }
}
