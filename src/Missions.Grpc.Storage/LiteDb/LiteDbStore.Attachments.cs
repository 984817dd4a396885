using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Mission attachments (every kind): the <c>attachments</c> collection. An item's id is (organization, mission,
/// kind, item id), so a duplicate is one lookup; <c>MissionKey</c> (organization, mission, kind, UUIDv7 taken at
/// creation) keeps creation order.
/// </summary>
public sealed partial class LiteDbStore
{
    /// <summary>Most items of one kind a mission holds (lists and mission GET return them whole).</summary>
    public const int MaxAttachmentsPerKind = 1_000;

    public Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(
        string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<AttachmentDocument>>(c =>
        {
            var mission = RequireMission(c, organization, missionId);
            return AllOf(c.Attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, mission.Id, kind.Key))
                .Select(a => a.ToDocument())
                .ToList();
        });

    public Task<MissionWithAttachments?> GetMissionWithAttachmentsAsync(
        string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        Read(c =>
        {
            if (FindMission(c.Missions, organization, missionId) is not { } mission)
            {
                return null;
            }
            var all = mission.AttachmentCount == 0 ? [] : AllOf(c.Attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, mission.Id));
            return new MissionWithAttachments(mission.ToDocument(), AttachmentKind.All.ToDictionary(
                k => k,
                k => (IReadOnlyList<AttachmentDocument>)all.Where(a => a.Kind == k.Key).Select(a => a.ToDocument()).ToList()));
        });

    public async Task<AttachmentDocument> CreateAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string? itemId, string definitionJson, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(db =>
        {
            var mission = FindMission(db.GetCollection<MissionRecord>(LiteDbSchema.Missions), organization, missionId);
            if (mission is null)
            {
                return Outcome<AttachmentDocument>.Fail(new ResourceNotFoundException("Mission"));
            }
            var attachments = db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments);
            var id = itemId ?? _ids.NewId().ToString();
            if (attachments.FindById(AttachmentRecord.IdOf(organization, mission.Id, kind, id)) is not null)
            {
                return Outcome<AttachmentDocument>.Fail(new ConflictException(
                    $"{kind.Noun} '{id}' already exists in this mission", "DUPLICATE_" + kind.Key.ToUpperInvariant(),
                    new Dictionary<string, string> { [kind.IdField] = id }, alreadyExists: true));
            }
            if (CountOf(attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, mission.Id, kind.Key)) >= MaxAttachmentsPerKind)
            {
                return Outcome<AttachmentDocument>.Fail(new ConflictException(
                    $"A mission holds at most {MaxAttachmentsPerKind} items of each kind", "TOO_MANY_ATTACHMENTS"));
            }
            var inserted = InsertAttachment(db, mission, kind, id, definitionJson, Now());
            CountAttachments(db, mission, +1);
            return inserted.ToDocument();
        }, cancellationToken).ConfigureAwait(false);
        return outcome.Unwrap();
    }

    public Task<AttachmentDocument> GetAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default) =>
        Read(c =>
        {
            var mission = RequireMission(c, organization, missionId);
            var item = c.Attachments.FindById(AttachmentRecord.IdOf(organization, mission.Id, kind, itemId))
                ?? throw new ResourceNotFoundException(kind.Noun);
            return item.ToDocument();
        });

    public async Task<AttachmentDocument> ReplaceAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, string definitionJson, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(db =>
        {
            var mission = FindMission(db.GetCollection<MissionRecord>(LiteDbSchema.Missions), organization, missionId);
            if (mission is null)
            {
                return Outcome<AttachmentDocument>.Fail(new ResourceNotFoundException("Mission"));
            }
            var attachments = db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments);
            var stored = attachments.FindById(AttachmentRecord.IdOf(organization, mission.Id, kind, itemId));
            if (stored is null)
            {
                return Outcome<AttachmentDocument>.Fail(new ResourceNotFoundException(kind.Noun));
            }
            stored.DefinitionJson = definitionJson;
            stored.UpdatedAt = Later(stored.UpdatedAt);
            attachments.Update(stored);
            return stored.ToDocument();
        }, cancellationToken).ConfigureAwait(false);
        return outcome.Unwrap();
    }

    public async Task DeleteAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(db =>
        {
            var mission = FindMission(db.GetCollection<MissionRecord>(LiteDbSchema.Missions), organization, missionId);
            if (mission is null)
            {
                return Outcome<bool>.Fail(new ResourceNotFoundException("Mission"));
            }
            if (!db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments).Delete(AttachmentRecord.IdOf(organization, mission.Id, kind, itemId)))
            {
                return Outcome<bool>.Fail(new ResourceNotFoundException(kind.Noun));
            }
            CountAttachments(db, mission, -1);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        outcome.Unwrap();
    }

    private AttachmentRecord InsertAttachment(LiteDatabase db, MissionRecord mission, AttachmentKind kind, string itemId, string definitionJson, DateTime now)
    {
        var record = new AttachmentRecord
        {
            Id = AttachmentRecord.IdOf(mission.Organization, mission.Id, kind, itemId),
            Organization = mission.Organization,
            MissionId = mission.Id,
            Kind = kind.Key,
            ItemId = itemId,
            DefinitionJson = definitionJson,
            CreatedAt = now,
            UpdatedAt = now,
            MissionKey = Keys.Of(mission.Organization, mission.Id, kind.Key, _ids.NewId().ToString()),
        };
        db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments).Insert(record);
        return record;
    }

    /// <summary>Copies every attachment of <paramref name="source"/> to <paramref name="clone"/> with new ids; part of the clone command.</summary>
    private void CopyAttachments(LiteDatabase db, MissionRecord source, MissionRecord clone)
    {
        var prefix = Keys.Prefix(source.Organization, source.Id);
        var now = clone.CreatedAt;
        var copied = 0;
        foreach (var item in AllOf(db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments), nameof(AttachmentRecord.MissionKey), prefix))
        {
            InsertAttachment(db, clone, AttachmentKind.All.Single(k => k.Key == item.Kind), _ids.NewId().ToString(), item.DefinitionJson, now);
            copied++;
        }
        CountAttachments(db, clone, copied);
    }

    /// <summary>Keeps <see cref="MissionRecord.AttachmentCount"/> (when the mission has one); part of the writer's command.</summary>
    private static void CountAttachments(LiteDatabase db, MissionRecord mission, int delta)
    {
        if (mission.AttachmentCount is { } count && delta != 0)
        {
            mission.AttachmentCount = count + delta;
            db.GetCollection<MissionRecord>(LiteDbSchema.Missions).Update(mission);
        }
    }

    private static void DeleteAttachmentsOf(LiteDatabase db, MissionRecord mission)
    {
        var prefix = Keys.Prefix(mission.Organization, mission.Id);
        db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments).DeleteMany(
            StartingWith(nameof(AttachmentRecord.MissionKey), prefix));
    }

    /// <summary>The mission for a read (outside the writer); throws not-found.</summary>
    private static MissionRecord RequireMission(LiteDbCollections c, string organization, Guid missionId) =>
        FindMission(c.Missions, organization, missionId) ?? throw new ResourceNotFoundException("Mission");
}

/// <summary>How an attachment is laid out in LiteDB (mutable for BsonMapper).</summary>
internal sealed class AttachmentRecord
{
    /// <summary>Organization, mission, kind, item id: unique per mission and kind by construction.</summary>
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";

    /// <summary><see cref="AttachmentKind.Key"/>.</summary>
    public string Kind { get; set; } = "";
    public string ItemId { get; set; } = "";
    public string DefinitionJson { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Organization, mission, kind, UUIDv7 taken at creation: the list's order.</summary>
    public string MissionKey { get; set; } = "";

    public static string IdOf(string organization, string missionId, AttachmentKind kind, string itemId) =>
        Keys.Of(organization, missionId, kind.Key, Keys.Part(itemId));

    public AttachmentDocument ToDocument() => new(
        AttachmentKind.All.Single(k => k.Key == Kind),
        ItemId,
        MissionId,
        DefinitionJson,
        Times.Utc(CreatedAt),
        Times.Utc(UpdatedAt));
}
