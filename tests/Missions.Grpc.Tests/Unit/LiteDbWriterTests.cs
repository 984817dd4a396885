using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Unit;

/// <summary>The single writer: group commit, and one failing command fails only its caller.</summary>
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
}
