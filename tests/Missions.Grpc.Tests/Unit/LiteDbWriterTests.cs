using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Unit;

/// <summary>The single writer: group commit, one failing command fails only its caller, and counters count only what committed.</summary>
public sealed class LiteDbWriterTests
{
    [Fact]
    public async Task A_failing_command_fails_alone_and_its_batch_mates_commit()
    {
        using var dbFile = new TempDatabase();
        using var connection = LiteDbConnection.Open(dbFile.Path, FileSystemFileOpener.Instance, minFreeBytes: 0);
        using var writer = new LiteDbWriter(connection, 64, 8 << 20, NullLogger.Instance);

        var gate = new TaskCompletionSource();
        // Hold the writer so the next commands queue up and are committed as one batch.
        var blocker = writer.ExecuteAsync(_ => gate.Task.Wait(TimeSpan.FromSeconds(10)), CancellationToken.None);
        var tasks = Enumerable.Range(0, 20).Select(i => writer.ExecuteAsync(d =>
        {
            if (i == 7)
            {
                throw new InvalidOperationException("boom");
            }
            return d.GetCollection("items").Insert(new BsonDocument { ["n"] = i });
        }, CancellationToken.None)).ToList();
        gate.SetResult();
        await blocker;

        for (var i = 0; i < tasks.Count; i++)
        {
            if (i == 7)
            {
                await Assert.ThrowsAsync<InvalidOperationException>(() => tasks[i]);
            }
            else
            {
                await tasks[i];
            }
        }
        var stored = connection.Session!.Database.GetCollection("items").FindAll().Select(d => d["n"].AsInt32).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 7), stored);
    }

    [Fact]
    public async Task Counters_the_writer_keeps_in_memory_count_only_committed_changes_and_match_the_files()
    {
        using var dbFile = new TempDatabase();
        using var connection = LiteDbConnection.Open(dbFile.Path, FileSystemFileOpener.Instance, minFreeBytes: 0);
        using var writer = new LiteDbWriter(connection, 64, 8 << 20, NullLogger.Instance);
        int Stored() => connection.Session!.Database.GetCollection<CounterRecord>(LiteDbSchema.Counters).FindById("c")?.Count ?? 0;

        for (var round = 1; round <= 3; round++)
        {
            var gate = new TaskCompletionSource();
            var blocker = writer.ExecuteAsync(_ => gate.Task.Wait(TimeSpan.FromSeconds(10)), CancellationToken.None);
            var tasks = Enumerable.Range(0, 10).Select(i => writer.ExecuteAsync(d =>
            {
                writer.Counters.Add(+1, "c");
                if (i == 3)
                {
                    throw new InvalidOperationException("boom"); // its +1 is undone with the attempt; the rest run again
                }
                return writer.Count(d, "c");
            }, CancellationToken.None)).ToList();
            gate.SetResult();
            await blocker;
            await Assert.ThrowsAsync<InvalidOperationException>(() => tasks[3]);
            var seen = new List<int>();
            foreach (var task in tasks.Where((_, i) => i != 3))
            {
                seen.Add(await task);
            }
            Assert.Equal(Enumerable.Range(9 * (round - 1) + 1, 9), seen); // each command saw the committed count plus its batch's changes so far
            Assert.Equal(9 * round, Stored());
        }
        Assert.Equal(27, await writer.ExecuteAsync(d => writer.Count(d, "c"), CancellationToken.None));
        await writer.ExecuteAsync(d => { writer.Counters.Add(-27, "c"); return 0; }, CancellationToken.None);
        Assert.Equal(0, Stored()); // a counter that reaches zero is removed
        Assert.Null(connection.Session!.Database.GetCollection<CounterRecord>(LiteDbSchema.Counters).FindById("c"));
        Assert.Equal(0, await writer.ExecuteAsync(d => writer.Count(d, "c"), CancellationToken.None));
    }
}
