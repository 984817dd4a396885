using LiteDB;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Mission attachments (every kind): the <c>attachments</c> collection. An item's id is (organization, mission,
/// kind, item id), so a duplicate is one lookup; <c>MissionKey</c> (organization, mission, kind, UUIDv7 taken at
/// creation) keeps creation order. The mission keeps a count of its items (<see cref="MissionRecord.AttachmentCount"/>).
/// </summary>
internal sealed class LiteDbAttachmentStore(LiteDbBackend backend) : IAttachmentStore
{
    public Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(
        string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken = default) =>
        backend.Read<IReadOnlyList<AttachmentDocument>>(c =>
        {
            var mission = RequireMission(c, organization, missionId);
            return AllOf(c.Attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, mission.Id, kind.Key))
                .Select(a => a.ToDocument())
                .ToList();
        });

    public Task<MissionWithAttachments> GetMissionWithAttachmentsAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        backend.Read(c =>
        {
            var mission = RequireMission(c, organization, missionId);
            var all = mission.AttachmentCount == 0 ? [] : AllOf(c.Attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, mission.Id));
            return new MissionWithAttachments(mission.ToDocument(), AttachmentKind.All.ToDictionary(
                k => k,
                k => (IReadOnlyList<AttachmentDocument>)all.Where(a => a.Kind == k.Key).Select(a => a.ToDocument()).ToList()));
        });

    public Task<AttachmentDocument> CreateAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string? itemId, string definitionJson, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<AttachmentDocument>(db =>
        {
            if (FindMission(db, organization, missionId) is not { } mission)
            {
                return Outcome<AttachmentDocument>.Fail(NotFound.Mission());
            }
            var attachments = db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments);
            var id = itemId ?? backend.Ids.NewId().ToString();
            if (attachments.FindById(AttachmentRecord.IdOf(organization, mission.Id, kind, id)) is not null)
            {
                return Outcome<AttachmentDocument>.Fail(AttachmentRules.Duplicate(kind, id));
            }
            if (CountOf(attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, mission.Id, kind.Key)) >= AttachmentRules.MaxPerKind)
            {
                return Outcome<AttachmentDocument>.Fail(AttachmentRules.Full());
            }
            var inserted = Insert(backend, db, mission, AttachmentRules.Create(kind, id, mission.Id, definitionJson, backend.Clock.Now()));
            CountAttachments(db, mission, +1);
            return inserted;
        }, cancellationToken);

    public Task<AttachmentDocument> GetAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default) =>
        backend.Read(c =>
        {
            var mission = RequireMission(c, organization, missionId);
            return (c.Attachments.FindById(AttachmentRecord.IdOf(organization, mission.Id, kind, itemId)) ?? throw NotFound.Attachment(kind)).ToDocument();
        });

    public Task<AttachmentDocument> ReplaceAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, string definitionJson, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<AttachmentDocument>(db =>
        {
            if (FindMission(db, organization, missionId) is not { } mission)
            {
                return Outcome<AttachmentDocument>.Fail(NotFound.Mission());
            }
            var attachments = db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments);
            if (attachments.FindById(AttachmentRecord.IdOf(organization, mission.Id, kind, itemId)) is not { } stored)
            {
                return Outcome<AttachmentDocument>.Fail(NotFound.Attachment(kind));
            }
            var current = stored.ToDocument();
            var replaced = AttachmentRules.Replace(current, definitionJson, backend.Clock.Later(current.UpdatedAt));
            stored.DefinitionJson = replaced.DefinitionJson;
            stored.UpdatedAt = replaced.UpdatedAt;
            attachments.Update(stored);
            return replaced;
        }, cancellationToken);

    public async Task DeleteAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default) =>
        await backend.WriteAsync<bool>(db =>
        {
            if (FindMission(db, organization, missionId) is not { } mission)
            {
                return Outcome<bool>.Fail(NotFound.Mission());
            }
            if (!db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments).Delete(AttachmentRecord.IdOf(organization, mission.Id, kind, itemId)))
            {
                return Outcome<bool>.Fail(NotFound.Attachment(kind));
            }
            CountAttachments(db, mission, -1);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Copies every attachment of <paramref name="source"/> to <paramref name="clone"/> with new ids; part of the clone command.</summary>
    internal static void CopyAttachments(LiteDbBackend backend, LiteDatabase db, MissionRecord source, MissionRecord clone)
    {
        var copied = 0;
        foreach (var item in AllOf(db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments), nameof(AttachmentRecord.MissionKey), Keys.Prefix(source.Organization, source.Id)))
        {
            var kind = AttachmentKind.All.Single(k => k.Key == item.Kind);
            Insert(backend, db, clone, AttachmentRules.Create(kind, backend.Ids.NewId().ToString(), clone.Id, item.DefinitionJson, clone.CreatedAt));
            copied++;
        }
        CountAttachments(db, clone, copied);
    }

    internal static void DeleteAttachmentsOf(LiteDatabase db, MissionRecord mission) =>
        db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments).DeleteMany(
            StartingWith(nameof(AttachmentRecord.MissionKey), Keys.Prefix(mission.Organization, mission.Id)));

    private static AttachmentDocument Insert(LiteDbBackend backend, LiteDatabase db, MissionRecord mission, AttachmentDocument item)
    {
        db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments).Insert(new AttachmentRecord
        {
            Id = AttachmentRecord.IdOf(mission.Organization, mission.Id, item.Kind, item.ItemId),
            Organization = mission.Organization,
            MissionId = mission.Id,
            Kind = item.Kind.Key,
            ItemId = item.ItemId,
            DefinitionJson = item.DefinitionJson,
            CreatedAt = item.CreatedAt,
            UpdatedAt = item.UpdatedAt,
            MissionKey = Keys.Of(mission.Organization, mission.Id, item.Kind.Key, backend.Ids.NewId().ToString()),
        });
        return item;
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
}
