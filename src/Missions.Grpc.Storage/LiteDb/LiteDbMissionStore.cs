using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The embedded backend: one LiteDB file in direct mode, one <see cref="LiteDatabase"/> per process,
/// all writes through <see cref="LiteDbWriter"/>, reads concurrent. Guards at start: a second
/// process on the same file, and a log file without its data file, both fail with a clear message.
/// </summary>
public sealed class LiteDbMissionStore : IMissionStore, IStorageHealth, IDisposable
{
    internal const string MissionsCollection = "missions";

    private readonly FileStream _processLock;
    private readonly LiteDatabase _db;
    private readonly LiteDbWriter _writer;
    private readonly ILiteCollection<MissionRecord> _missions;
    private readonly UuidV7Generator _ids;
    private readonly TimeProvider _clock;

    public LiteDbMissionStore(IOptions<StorageOptions> options, ILogger<LiteDbMissionStore> logger, TimeProvider? clock = null)
    {
        var liteDb = options.Value.LiteDb;
        var path = System.IO.Path.GetFullPath(liteDb.Path);
        _clock = clock ?? TimeProvider.System;
        _ids = new UuidV7Generator(_clock);

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        _processLock = AcquireProcessLock(path);
        try
        {
            RefuseOrphanLog(path);
            _db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }, CreateMapper());
            _missions = _db.GetCollection<MissionRecord>(MissionsCollection);
            _missions.EnsureIndex(x => x.Organization);
        }
        catch
        {
            _processLock.Dispose();
            throw;
        }
        _writer = new LiteDbWriter(_db, liteDb.MaxBatchSize, logger);
        logger.LogInformation("LiteDB storage at {Path}", path);
    }

    public async Task<MissionDocument> CreateMissionAsync(NewMission mission, CancellationToken cancellationToken = default)
    {
        var record = await _writer.ExecuteAsync(db =>
        {
            // Id and time are taken inside the writer, so id order is commit order.
            var now = Now();
            var created = new MissionRecord
            {
                Id = _ids.NewId().ToString(),
                Organization = mission.Organization,
                Name = mission.Name,
                Description = mission.Description,
                Model = mission.Model,
                Instructions = mission.Instructions,
                ExecutionMode = mission.ExecutionMode,
                MetadataJson = mission.MetadataJson,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.GetCollection<MissionRecord>(MissionsCollection).Insert(created);
            return created;
        }, cancellationToken).ConfigureAwait(false);
        return record.ToDocument();
    }

    public Task<MissionDocument?> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default)
    {
        var record = _missions.FindById(missionId.ToString());
        return Task.FromResult(record is not null && record.Organization == organization ? record.ToDocument() : null);
    }

    public Task CheckAsync(CancellationToken cancellationToken = default)
    {
        _ = _missions.FindOne(Query.All());
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _db.Dispose();
        _processLock.Dispose();
    }

    private DateTime Now()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    private static FileStream AcquireProcessLock(string path)
    {
        var lockPath = path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException error)
        {
            throw new InvalidOperationException(
                $"The LiteDB file '{path}' is in use by another process (lock '{lockPath}' is held). " +
                "Only one server process may open a LiteDB file; stop the other one or set Storage:LiteDb:Path to another file.",
                error);
        }
    }

    private static void RefuseOrphanLog(string path)
    {
        var log = System.IO.Path.Combine(
            System.IO.Path.GetDirectoryName(path)!,
            System.IO.Path.GetFileNameWithoutExtension(path) + "-log" + System.IO.Path.GetExtension(path));
        if (File.Exists(log) && !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Found LiteDB log '{log}' without its data file '{path}'. A stale log corrupts a new database: " +
                "restore the data file, or delete the log file too if the data is meant to be discarded.");
        }
    }

    private static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper { SerializeNullValues = false, TrimWhitespace = false, EmptyStringToNull = false };
        mapper.Entity<MissionRecord>().Id(x => x.Id, autoId: false);
        return mapper;
    }
}

/// <summary>How a mission is laid out in LiteDB (mutable for BsonMapper).</summary>
internal sealed class MissionRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? Model { get; set; }
    public string? Instructions { get; set; }
    public string ExecutionMode { get; set; } = "";
    public string? MetadataJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public MissionDocument ToDocument() => new()
    {
        Id = Id,
        Organization = Organization,
        Name = Name,
        Description = Description,
        Model = Model,
        Instructions = Instructions,
        ExecutionMode = ExecutionMode,
        MetadataJson = MetadataJson,
        CreatedAt = DateTime.SpecifyKind(CreatedAt.ToUniversalTime(), DateTimeKind.Utc),
        UpdatedAt = DateTime.SpecifyKind(UpdatedAt.ToUniversalTime(), DateTimeKind.Utc),
    };
}
