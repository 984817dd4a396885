using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Mission attachments (every kind): the <c>attachments</c> collection; <c>MissionKey</c> (organization, mission, kind,
/// UUIDv7 taken at creation) keeps creation order. A mission read whole reads its attachments only when its count of
/// them (<see cref="MissionRecord.AttachmentCount"/>) says it has any.
/// </summary>
internal sealed class LiteDbAttachmentReads(LiteDbConnection connection) : IAttachmentReads
{
    public Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken) =>
        connection.ReadAsync<IReadOnlyList<AttachmentDocument>>(c =>
        {
            var mission = RequireMission(c, organization, missionId);
            return AllOf(c.Attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, mission.Id, kind.Key))
                .Select(a => a.ToDocument())
                .ToList();
        });

    public Task<MissionWithAttachments> GetMissionWithAttachmentsAsync(string organization, Guid missionId, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            var mission = RequireMission(c, organization, missionId);
            var all = mission.AttachmentCount == 0 ? [] : AllOf(c.Attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, mission.Id));
            return new MissionWithAttachments(mission.ToDocument(), AttachmentKind.All.ToDictionary(
                k => k,
                k => (IReadOnlyList<AttachmentDocument>)all.Where(a => a.Kind == k.Key).Select(a => a.ToDocument()).ToList()));
        });

    public Task<AttachmentDocument> GetAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            var mission = RequireMission(c, organization, missionId);
            return (c.Attachments.FindById(AttachmentRecord.IdOf(organization, mission.Id, kind, itemId)) ?? throw NotFound.Attachment(kind)).ToDocument();
        });
}
