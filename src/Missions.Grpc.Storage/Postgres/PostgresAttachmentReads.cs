using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

internal sealed class PostgresAttachmentReads(PostgresReads reads) : IAttachmentReads
{
    public Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken) =>
        reads.ReadAsync<IReadOnlyList<AttachmentDocument>>(
            $"SELECT {Of("a", AttachmentColumns)} FROM missions m " +
            "LEFT JOIN attachments a ON a.organization = m.organization AND a.mission_id = m.id AND a.kind = $3 " +
            "WHERE m.organization = $1 AND m.id = $2 ORDER BY a.created",
            [organization, missionId, kind.Key],
            async (r, ct) =>
            {
                if (!await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    throw NotFound.Mission();
                }
                return await Paged.ItemsAsync(r, at: 0, column: 0, (row, at) => Attachment(row, at), ct).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// The mission's row, then its attachments' (<c>UNION ALL</c>: the mission's columns are not repeated per attachment):
    /// one statement. An unknown mission has no row, and no attachments (the foreign key).
    /// </summary>
    public Task<MissionWithAttachments> GetMissionWithAttachmentsAsync(string organization, Guid missionId, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            $"SELECT 0 AS part, {MissionColumns}, NULL::text AS kind, NULL::text AS item_id, NULL::uuid AS created " +
            "FROM missions WHERE organization = $1 AND id = $2 " +
            "UNION ALL SELECT 1, organization, mission_id, NULL, NULL, NULL, NULL, NULL, definition_json, created_at, updated_at, kind, item_id, created " +
            "FROM attachments WHERE organization = $1 AND mission_id = $2 ORDER BY part, created",
            [organization, missionId],
            async (r, ct) =>
            {
                if (!await r.ReadAsync(ct).ConfigureAwait(false) || r.GetInt32(0) != 0)
                {
                    throw NotFound.Mission();
                }
                var mission = Mission(r, 1);
                var all = new List<AttachmentDocument>();
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    all.Add(new AttachmentDocument(AttachmentKind.All.Single(k => k.Key == r.Text(11)), r.Text(12), mission.Id, r.Text(8), r.Utc(9), r.Utc(10)));
                }
                return new MissionWithAttachments(mission, AttachmentKind.All.ToDictionary(
                    k => k,
                    k => (IReadOnlyList<AttachmentDocument>)all.Where(a => a.Kind == k).ToList()));
            },
            cancellationToken);

    public Task<AttachmentDocument> GetAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            $"SELECT {Of("a", AttachmentColumns)} FROM missions m " +
            "LEFT JOIN attachments a ON a.organization = m.organization AND a.mission_id = m.id AND a.kind = $3 AND a.item_id = $4 " +
            "WHERE m.organization = $1 AND m.id = $2",
            [organization, missionId, kind.Key, itemId],
            async (r, ct) => !await r.ReadAsync(ct).ConfigureAwait(false) ? throw NotFound.Mission()
                : !r.IsDBNull(0) ? Attachment(r)
                : throw NotFound.Attachment(kind),
            cancellationToken);
}
