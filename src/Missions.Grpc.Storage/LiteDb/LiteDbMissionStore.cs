using System.Globalization;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The embedded backend: one LiteDB file in direct mode, one <see cref="LiteDatabase"/> per process,
/// all writes through <see cref="LiteDbWriter"/>, reads concurrent. Guards at start: a second
/// process on the same file, and a log file without its data file, both fail with a clear message.
/// Lists walk the <c>OrgKey</c> index (organization + UUIDv7 id, so creation order) backwards from
/// the newest; totals come from per-organization counters the writer keeps in the same transaction.
/// </summary>
public sealed class LiteDbMissionStore : IMissionStore, IStorageHealth, IDisposable
{
    internal const string MissionsCollection = "missions";
    internal const string CountersCollection = "counters";

    private readonly FileStream _processLock;
    private readonly LiteDatabase _db;
    private readonly LiteDbWriter _writer;
    private readonly ILiteCollection<MissionRecord> _missions;
    private readonly ILiteCollection<CounterRecord> _counters;
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
            // Ordinal collation: LiteDB's default ignores case, which would make organizations "acme"
            // and "Acme" one range of the OrgKey index. (A collation is fixed when the file is created.)
            _db = new LiteDatabase(new ConnectionString
            {
                Filename = path,
                Connection = ConnectionType.Direct,
                Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal),
            }, CreateMapper());
            if (_db.Collation.SortOptions != CompareOptions.Ordinal)
            {
                throw new InvalidOperationException(
                    $"The LiteDB file '{path}' was created with collation '{_db.Collation}'; this server needs an ordinal one. " +
                    "Export the data and recreate the file.");
            }
            _missions = _db.GetCollection<MissionRecord>(MissionsCollection);
            _missions.EnsureIndex(x => x.OrgKey, unique: true);
            _counters = _db.GetCollection<CounterRecord>(CountersCollection);
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
        var record = await _writer.ExecuteAsync(db => Insert(db, mission), cancellationToken).ConfigureAwait(false);
        return record.ToDocument();
    }

    public Task<MissionDocument?> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Find(_missions, organization, missionId)?.ToDocument());

    public Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken = default)
    {
        // Two range scans of the OrgKey index. The first selects only the indexed key, so LiteDB reads
        // no document for the entries it skips; it finds the page's first and last keys. The second
        // loads just the documents between them.
        var total = _counters.FindById(CounterRecord.MissionsOf(organization))?.Count ?? 0;
        if (offset >= total)
        {
            return Task.FromResult(new Page<MissionDocument>([], total)); // past the end: nothing to walk
        }
        var prefix = MissionRecord.KeyPrefix(organization);
        var keys = _missions.Query()
            .Where(Query.Between(nameof(MissionRecord.OrgKey), prefix, prefix + "\uffff"))
            .OrderByDescending(nameof(MissionRecord.OrgKey))
            .Select(BsonExpression.Create("{ k: $." + nameof(MissionRecord.OrgKey) + " }"))
            .Skip(offset)
            .Limit(limit)
            .ToDocuments()
            .Select(d => d["k"].AsString)
            .ToList();
        var items = keys.Count == 0
            ? []
            : _missions.Query()
                .Where(Query.Between(nameof(MissionRecord.OrgKey), keys[^1], keys[0]))
                .OrderByDescending(nameof(MissionRecord.OrgKey))
                .Limit(limit)
                .ToList()
                .Where(r => r.Organization == organization) // the key range already ensures it; checked again
                .Select(r => r.ToDocument())
                .ToList();
        return Task.FromResult(new Page<MissionDocument>(items, total));
    }

    public async Task<MissionDocument?> UpdateMissionAsync(string organization, Guid missionId, MissionChanges changes, CancellationToken cancellationToken = default)
    {
        var record = await _writer.ExecuteAsync(db =>
        {
            var missions = db.GetCollection<MissionRecord>(MissionsCollection);
            var stored = Find(missions, organization, missionId);
            if (stored is null)
            {
                return null;
            }
            stored.Name = changes.Name ?? stored.Name;
            stored.Description = changes.Description ?? stored.Description;
            stored.Model = changes.Model ?? stored.Model;
            stored.Instructions = changes.Instructions ?? stored.Instructions;
            stored.ExecutionMode = changes.ExecutionMode ?? stored.ExecutionMode;
            stored.MetadataJson = changes.MetadataJson ?? stored.MetadataJson;
            stored.UpdatedAt = Later(stored.UpdatedAt);
            missions.Update(stored);
            return stored;
        }, cancellationToken).ConfigureAwait(false);
        return record?.ToDocument();
    }

    public Task<bool> DeleteMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        _writer.ExecuteAsync(db =>
        {
            var missions = db.GetCollection<MissionRecord>(MissionsCollection);
            var stored = Find(missions, organization, missionId);
            if (stored is null)
            {
                return false;
            }
            // The whole cascade is this one command, hence one transaction. Runs, plans, events,
            // agent links and attachments join it as those resources arrive.
            missions.Delete(stored.Id);
            AddToCounter(db, CounterRecord.MissionsOf(organization), -1);
            return true;
        }, cancellationToken);

    public async Task<MissionDocument?> CloneMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default)
    {
        var record = await _writer.ExecuteAsync(db =>
        {
            var source = Find(db.GetCollection<MissionRecord>(MissionsCollection), organization, missionId);
            if (source is null)
            {
                return null;
            }
            // The definition is copied; runs are not. Attachments join this command as they arrive.
            return Insert(db, new NewMission(organization, source.Name, source.Description, source.Model,
                source.Instructions, source.ExecutionMode, source.MetadataJson));
        }, cancellationToken).ConfigureAwait(false);
        return record?.ToDocument();
    }

    public Task CheckAsync(CancellationToken cancellationToken = default)
    {
        _ = _counters.FindById("health");
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _db.Dispose();
        _processLock.Dispose();
    }

    private static MissionRecord? Find(ILiteCollection<MissionRecord> missions, string organization, Guid missionId)
    {
        var record = missions.FindById(missionId.ToString());
        return record is not null && record.Organization == organization ? record : null;
    }

    /// <summary>Inserts a new mission; runs on the writer, so the UUIDv7 id order is the commit order.</summary>
    private MissionRecord Insert(LiteDatabase db, NewMission mission)
    {
        var now = Now();
        var record = new MissionRecord
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
        record.OrgKey = MissionRecord.KeyPrefix(record.Organization) + record.Id;
        db.GetCollection<MissionRecord>(MissionsCollection).Insert(record);
        AddToCounter(db, CounterRecord.MissionsOf(record.Organization), +1);
        return record;
    }

    private static void AddToCounter(LiteDatabase db, string key, int delta)
    {
        var counters = db.GetCollection<CounterRecord>(CountersCollection);
        var counter = counters.FindById(key) ?? new CounterRecord { Id = key };
        counter.Count += delta;
        counters.Upsert(counter);
    }

    private DateTime Now()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    /// <summary>Now, or a millisecond after <paramref name="previous"/> if the clock has not moved past it.</summary>
    private DateTime Later(DateTime previous)
    {
        var now = Now();
        var floor = previous.ToUniversalTime().AddMilliseconds(1);
        return now >= floor ? now : DateTime.SpecifyKind(floor, DateTimeKind.Utc);
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
        mapper.Entity<CounterRecord>().Id(x => x.Id, autoId: false);
        return mapper;
    }
}

/// <summary>How a mission is laid out in LiteDB (mutable for BsonMapper).</summary>
internal sealed class MissionRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";

    /// <summary>Organization + id: the list index; ids are UUIDv7 strings, so this sorts by creation.</summary>
    public string OrgKey { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? Model { get; set; }
    public string? Instructions { get; set; }
    public string ExecutionMode { get; set; } = "";
    public string? MetadataJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// The organization and a '\u0001' separator: it sorts below every character an organization or id
    /// holds, so one organization's keys form one range that no other organization's keys enter.
    /// </summary>
    public static string KeyPrefix(string organization) => organization + "\u0001";

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

/// <summary>A count the writer maintains so list totals cost one read.</summary>
internal sealed class CounterRecord
{
    public string Id { get; set; } = "";
    public int Count { get; set; }

    public static string MissionsOf(string organization) => "missions\u0001" + organization;
}
