using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using Missions.Grpc.Storage.Writing;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>Drives a backend's write pipeline directly: commands queued together so that they commit as one batch.</summary>
internal static class PipelineBatches
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static WritePipeline Of(IStorageBackend backend) => ((StorageBackend)backend).Pipeline;

    /// <summary>Holds the pipeline's thread until released: what is queued meanwhile forms the next batch.</summary>
    private sealed class Hold(Task release) : WriteCommand<bool>
    {
        public override string Operation => "Hold";

        public override string? Organization => null;

        public override void Declare(BatchNeeds needs)
        {
        }

        public override Outcome<bool> Execute(BatchState batch) => release.Wait(Timeout);
    }

    /// <summary>Queues <paramref name="commands"/> while the pipeline is held, so that they are one batch.</summary>
    public static async Task<List<Task<T>>> OneBatchAsync<T>(WritePipeline pipeline, IEnumerable<WriteCommand<T>> commands)
    {
        var release = await HoldAsync(pipeline);
        var queued = commands.Select(c => pipeline.ExecuteAsync(c, null, CancellationToken.None)).ToList();
        await release();
        return queued;
    }

    /// <summary>Holds the pipeline: whatever is queued until the returned release is awaited commits as one batch.</summary>
    public static async Task<Func<Task>> HoldAsync(WritePipeline pipeline)
    {
        var release = new TaskCompletionSource();
        var held = pipeline.ExecuteAsync(new Hold(release.Task), null, CancellationToken.None);
        await Task.Delay(100); // the pipeline takes the hold alone
        return async () =>
        {
            release.SetResult();
            await held.WaitAsync(Timeout);
        };
    }
}
