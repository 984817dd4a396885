using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using Missions.Grpc.Storage.Writing;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The embedded backend: one LiteDB file in direct mode, opened by <see cref="LiteDbConnection"/> (one process per
/// file; reopened after a storage fault). Writes go through the one write pipeline (<see cref="WritePipeline"/>), served
/// here by <see cref="LiteDbTransactionAdapter"/> — one writer, as LiteDB 5.0.21 can corrupt its file when transactions
/// write different collections concurrently (litedb-org/LiteDB#2825); reads run concurrently (<see cref="LiteDbReads"/>).
/// Committed changes reach watchers through the in-process <see cref="RunFeedHub"/>, in commit order.
/// </summary>
public sealed class LiteDbBackend : StorageBackend
{
    /// <summary>
    /// Write attempts during an outage: after 1 s, then 2, 4, and every 8 s — a full disk or a failing device stays so
    /// for a while, and every attempt writes to it.
    /// </summary>
    private static readonly TimeSpan[] RetryWaits = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    private readonly RunFeedHub _feed = new();
    private readonly LiteDbTransactionAdapter _adapter;

    public LiteDbBackend(IOptions<StorageOptions> options, ILogger<LiteDbBackend> logger, TimeProvider? time = null)
        : this(options, logger, time, FileSystemFileOpener.Instance)
    {
    }

    /// <summary>Opens the file through <paramref name="files"/> (tests give a disk that fails). Throws <see cref="StorageStartException"/>.</summary>
    internal LiteDbBackend(IOptions<StorageOptions> options, ILogger<LiteDbBackend> logger, TimeProvider? time, IStorageFileOpener files)
    {
        var liteDb = options.Value.LiteDb;
        var clock = new StoreClock(time);
        WritePipeline pipeline;
        Connection = LiteDbConnection.Open(liteDb.Path, files, liteDb.MinFreeBytes);
        try
        {
            _adapter = new LiteDbTransactionAdapter(Connection, liteDb.CheckpointLogBytes, _feed, logger);
            pipeline = new WritePipeline(_adapter, clock, new UuidV7Generator(clock.Time), liteDb.MaxBatchSize, RetryWaits, _feed.Publish, logger);
            // A first, empty batch: a disk that cannot be written fails the start, not the first request.
            if (pipeline.CommitEmptyBatch() is { } error)
            {
                throw Connection.CannotWrite(LiteDbFaults.Classify(error) ?? StorageFaultKind.IoError, error);
            }
        }
        catch
        {
            Connection.Abandon();
            throw;
        }
        Connection.ReadFaulted += SessionFailed;
        pipeline.Start();
        Serve(new StoreSet(new LiteDbReads(Connection), pipeline, clock), pipeline);
        logger.LogInformation("LiteDB storage at {Path}", Connection.DataPath);
    }

    public override IRunFeed Feed => _feed;

    internal LiteDbConnection Connection { get; }

    /// <summary>Where committed changes are published to watchers (by the pipeline's thread, in commit order).</summary>
    internal RunFeedHub Published => _feed;

    public override void Dispose()
    {
        Pipeline.Dispose();
        Connection.ReadFaulted -= SessionFailed;
        _adapter.Dispose();
        Connection.Dispose();
    }

    /// <summary>A read found the session failed: the pipeline's thread replaces it.</summary>
    private void SessionFailed(LiteDbSession session)
    {
        _adapter.SessionFailed(session);
        Pipeline.Wake();
    }
}
