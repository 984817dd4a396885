using System.Diagnostics.Metrics;
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
internal sealed class LiteDbBackend : StorageBackend
{
    /// <summary>
    /// Write attempts during an outage: after 1 s, then 2, 4, and every 8 s — a full disk or a failing device stays so
    /// for a while, and every attempt writes to it.
    /// </summary>
    private static readonly TimeSpan[] RetryWaits = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    private readonly RunFeedHub _feed = new();
    private readonly LiteDbOptions _settings;
    private readonly QuotaOptions _quotas;
    private readonly ILogger _logger;
    private readonly IStorageFileOpener _files;
    private LiteDbTransactionAdapter? _adapter;
    private LiteDbConnection? _connection;

    public LiteDbBackend(IOptions<StorageOptions> options, ILogger<LiteDbBackend> logger, TimeProvider? time = null, IMeterFactory? meters = null)
        : this(options, logger, time, FileSystemFileOpener.Instance, meters)
    {
    }

    /// <summary>A backend whose file opens through <paramref name="files"/> (tests give a disk that fails).</summary>
    internal LiteDbBackend(IOptions<StorageOptions> options, ILogger<LiteDbBackend> logger, TimeProvider? time, IStorageFileOpener files, IMeterFactory? meters = null)
        : base(time, meters)
    {
        _settings = options.Value.LiteDb;
        _quotas = options.Value.Quotas;
        _logger = logger;
        _files = files;
    }

    /// <summary>
    /// Opens the file (LiteDB's engine has no asynchronous I/O: this completes synchronously) and commits a first, empty
    /// batch. Throws <see cref="StorageStartException"/>.
    /// </summary>
    public override Task OpenAsync(CancellationToken cancellationToken = default)
    {
        if (IsOpen)
        {
            return Task.CompletedTask;
        }
        var connection = LiteDbConnection.Open(_settings.Path, _files, _settings.MinFreeBytes);
        WritePipeline pipeline;
        try
        {
            _adapter = new LiteDbTransactionAdapter(connection, _settings.CheckpointLogBytes, _feed, _logger);
            pipeline = new WritePipeline(_adapter, Clock, new UuidV7Generator(Clock.Time), _settings.MaxBatchSize, RetryWaits, _feed.Publish, _quotas, Metrics, _logger);
            // A first, empty batch: a disk that cannot be written fails the start, not the first request.
            if (pipeline.CommitEmptyBatch() is { } error)
            {
                throw connection.CannotWrite(LiteDbFaults.Classify(error) ?? StorageFaultKind.IoError, error);
            }
        }
        catch
        {
            _adapter = null;
            connection.Abandon();
            throw;
        }
        _connection = connection;
        connection.ReadFaulted += SessionFailed;
        pipeline.Start();
        Serve(new LiteDbReads(connection), pipeline);
        LiteDbLog.Opened(_logger, connection.DataPath);
        return Task.CompletedTask;
    }

    public override IRunFeed Feed => _feed;

    internal LiteDbConnection Connection => _connection ?? throw new InvalidOperationException("The storage backend is not open.");

    /// <summary>Where committed changes are published to watchers (by the pipeline's thread, in commit order).</summary>
    internal RunFeedHub Published => _feed;

    public override void Dispose()
    {
        if (_connection is { } connection) // else never opened
        {
            Pipeline.Dispose();
            connection.ReadFaulted -= SessionFailed;
            _adapter!.Dispose();
            connection.Dispose();
        }
        Metrics.Dispose();
    }

    /// <summary>A read found the session failed: the pipeline's thread replaces it.</summary>
    private void SessionFailed(LiteDbSession session)
    {
        _adapter!.SessionFailed(session);
        Pipeline.Wake();
    }
}
