using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Missions: the <c>missions</c> collection, listed along <c>OrgKey</c> (organization, id).</summary>
public sealed partial class LiteDbStore
{
    public async Task<MissionDocument> CreateMissionAsync(NewMission mission, CancellationToken cancellationToken = default)
    {
        var record = await _writer.ExecuteAsync(db => InsertMission(db, mission), cancellationToken).ConfigureAwait(false);
        return record.ToDocument();
    }

    public Task<MissionDocument?> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        Read(c => FindMission(c.Missions, organization, missionId)?.ToDocument());

    public Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken = default) =>
        Read(c =>
        {
            var total = c.Count(MissionRecord.CounterOf(organization));
            if (offset >= total)
            {
                return new Page<MissionDocument>([], total); // past the end: nothing to walk
            }
            var items = PageOf(c.Missions, nameof(MissionRecord.OrgKey), Keys.Prefix(organization), offset, limit)
                .Where(r => r.Organization == organization) // the key range already ensures it; checked again
                .Select(r => r.ToDocument())
                .ToList();
            return new Page<MissionDocument>(items, total);
        });

    public async Task<MissionDocument?> UpdateMissionAsync(string organization, Guid missionId, MissionChanges changes, CancellationToken cancellationToken = default)
    {
        var record = await _writer.ExecuteAsync(db =>
        {
            var missions = db.GetCollection<MissionRecord>(LiteDbSchema.Missions);
            var stored = FindMission(missions, organization, missionId);
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

    public async Task<bool> DeleteMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default)
    {
        var removedRuns = await _writer.ExecuteAsync(
            db =>
            {
                var missions = db.GetCollection<MissionRecord>(LiteDbSchema.Missions);
                var stored = FindMission(missions, organization, missionId);
                if (stored is null)
                {
                    return null;
                }
                // The whole cascade is this one command, hence one transaction.
                var runs = DeleteRunsOf(db, stored);
                DeleteAttachmentsOf(db, stored);
                missions.Delete(stored.Id);
                AddToCounters(-1, MissionRecord.CounterOf(organization));
                return runs;
            },
            runs =>
            {
                foreach (var run in runs ?? [])
                {
                    _feed.Publish(organization, run, new RunRemoved(run)); // ends the runs' watchers
                }
            },
            cancellationToken).ConfigureAwait(false);
        return removedRuns is not null;
    }

    public async Task<MissionDocument?> CloneMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default)
    {
        var record = await _writer.ExecuteAsync(db =>
        {
            var source = FindMission(db.GetCollection<MissionRecord>(LiteDbSchema.Missions), organization, missionId);
            if (source is null)
            {
                return null;
            }
            // The definition and the attachments (with new ids) are copied, in this one command; runs are not.
            var clone = InsertMission(db, new NewMission(organization, source.Name, source.Description, source.Model,
                source.Instructions, source.ExecutionMode, source.MetadataJson));
            CopyAttachments(db, source, clone);
            return clone;
        }, cancellationToken).ConfigureAwait(false);
        return record?.ToDocument();
    }

    private static MissionRecord? FindMission(ILiteCollection<MissionRecord> missions, string organization, Guid missionId)
    {
        var record = missions.FindById(missionId.ToString());
        return record is not null && record.Organization == organization ? record : null;
    }

    /// <summary>Inserts a new mission; runs on the writer, so the UUIDv7 id order is the commit order.</summary>
    private MissionRecord InsertMission(LiteDatabase db, NewMission mission)
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
            AttachmentCount = 0,
        };
        record.OrgKey = Keys.Of(record.Organization, record.Id);
        db.GetCollection<MissionRecord>(LiteDbSchema.Missions).Insert(record);
        AddToCounters(+1, MissionRecord.CounterOf(record.Organization));
        return record;
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
    /// How many attachments the mission holds, kept by the writer with every attachment change, so that reading a
    /// mission without any costs no attachment query. Null for a mission stored before it was kept: then counted by query.
    /// </summary>
    public int? AttachmentCount { get; set; }

    public static string CounterOf(string organization) => Keys.Of("missions", organization);

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
        CreatedAt = Times.Utc(CreatedAt),
        UpdatedAt = Times.Utc(UpdatedAt),
    };
}
