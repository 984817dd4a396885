using Npgsql;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// Mission attachments (every kind): the <c>attachments</c> table, keyed by (organization, mission, kind, item id),
/// listed in creation order. Changes lock the mission's row, which also keeps its attachment count.
/// </summary>
internal sealed class PostgresAttachmentStore(PostgresBackend backend) : IAttachmentStore
{
    public Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(
        string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken = default) =>
        backend.ReadAsync<IReadOnlyList<AttachmentDocument>>(async (connection, ct) =>
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Pg.BatchCommand("SELECT 1 FROM missions WHERE organization = $1 AND id = $2", organization, missionId),
                    Pg.BatchCommand($"SELECT {AttachmentColumns} FROM attachments WHERE organization = $1 AND mission_id = $2 AND kind = $3 ORDER BY created",
                        organization, missionId, kind.Key),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                throw NotFound.Mission();
            }
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            return await Pg.ReadAllAsync(reader, Attachment, ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task<MissionWithAttachments> GetMissionWithAttachmentsAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Pg.BatchCommand($"SELECT {MissionColumns} FROM missions WHERE organization = $1 AND id = $2", organization, missionId),
                    Pg.BatchCommand($"SELECT {AttachmentColumns} FROM attachments WHERE organization = $1 AND mission_id = $2 ORDER BY created",
                        organization, missionId),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var mission = await reader.ReadAsync(ct).ConfigureAwait(false) ? Mission(reader) : throw NotFound.Mission();
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            var all = await Pg.ReadAllAsync(reader, Attachment, ct).ConfigureAwait(false);
            return new MissionWithAttachments(mission, AttachmentKind.All.ToDictionary(
                k => k,
                k => (IReadOnlyList<AttachmentDocument>)all.Where(a => a.Kind == k).ToList()));
        }, cancellationToken);

    public Task<AttachmentDocument> CreateAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string? itemId, string definitionJson, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<AttachmentDocument>(async (batch, ct) =>
        {
            if (!await PostgresLookups.MissionExistsAsync(batch.Connection, organization, missionId, "FOR UPDATE", ct).ConfigureAwait(false))
            {
                return Outcome<AttachmentDocument>.Fail(NotFound.Mission());
            }
            var id = itemId ?? backend.Ids.NewId().ToString();
            var (exists, count) = await Pg.FirstAsync(batch.Connection,
                "SELECT bool_or(item_id = $4), count(*) FROM attachments WHERE organization = $1 AND mission_id = $2 AND kind = $3",
                r => (!r.IsDBNull(0) && r.GetBoolean(0), r.GetInt64(1)), ct, organization, missionId, kind.Key, id).ConfigureAwait(false);
            if (exists)
            {
                return Outcome<AttachmentDocument>.Fail(AttachmentRules.Duplicate(kind, id));
            }
            if (count >= AttachmentRules.MaxPerKind)
            {
                return Outcome<AttachmentDocument>.Fail(AttachmentRules.Full());
            }
            var item = AttachmentRules.Create(kind, id, missionId.ToString(), definitionJson, backend.Clock.Now());
            await InsertAsync(batch, backend, organization, [item], ct).ConfigureAwait(false);
            return item;
        }, cancellationToken);

    public Task<AttachmentDocument> GetAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Pg.BatchCommand("SELECT 1 FROM missions WHERE organization = $1 AND id = $2", organization, missionId),
                    Pg.BatchCommand($"SELECT {AttachmentColumns} FROM attachments WHERE organization = $1 AND mission_id = $2 AND kind = $3 AND item_id = $4",
                        organization, missionId, kind.Key, itemId),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                throw NotFound.Mission();
            }
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? Attachment(reader) : throw NotFound.Attachment(kind);
        }, cancellationToken);

    public Task<AttachmentDocument> ReplaceAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, string definitionJson, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<AttachmentDocument>(async (batch, ct) =>
        {
            if (!await PostgresLookups.MissionExistsAsync(batch.Connection, organization, missionId, "FOR SHARE", ct).ConfigureAwait(false))
            {
                return Outcome<AttachmentDocument>.Fail(NotFound.Mission());
            }
            var stored = await Pg.FirstAsync(batch.Connection,
                $"SELECT {AttachmentColumns} FROM attachments WHERE organization = $1 AND mission_id = $2 AND kind = $3 AND item_id = $4 FOR UPDATE",
                Attachment, ct, organization, missionId, kind.Key, itemId).ConfigureAwait(false);
            if (stored is null)
            {
                return Outcome<AttachmentDocument>.Fail(NotFound.Attachment(kind));
            }
            var replaced = AttachmentRules.Replace(stored, definitionJson, backend.Clock.Later(stored.UpdatedAt));
            await Pg.ExecuteAsync(batch.Connection,
                "UPDATE attachments SET definition_json = $5, updated_at = $6 WHERE organization = $1 AND mission_id = $2 AND kind = $3 AND item_id = $4",
                ct, organization, missionId, kind.Key, itemId, replaced.DefinitionJson, replaced.UpdatedAt).ConfigureAwait(false);
            return replaced;
        }, cancellationToken);

    public async Task DeleteAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default) =>
        await backend.WriteAsync<bool>(async (batch, ct) =>
        {
            if (!await PostgresLookups.MissionExistsAsync(batch.Connection, organization, missionId, "FOR UPDATE", ct).ConfigureAwait(false))
            {
                return Outcome<bool>.Fail(NotFound.Mission());
            }
            var deleted = await Pg.ExecuteAsync(batch.Connection,
                "DELETE FROM attachments WHERE organization = $1 AND mission_id = $2 AND kind = $3 AND item_id = $4",
                ct, organization, missionId, kind.Key, itemId).ConfigureAwait(false);
            if (deleted == 0)
            {
                return Outcome<bool>.Fail(NotFound.Attachment(kind));
            }
            await Pg.ExecuteAsync(batch.Connection, "UPDATE missions SET attachment_count = attachment_count - 1 WHERE organization = $1 AND id = $2",
                ct, organization, missionId).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Inserts items of one mission (one statement) and counts them on the mission; part of a write command holding the mission's row.</summary>
    internal static async Task InsertAsync(PgBatch batch, PostgresBackend backend, string organization, IReadOnlyList<AttachmentDocument> items, CancellationToken ct)
    {
        if (items.Count == 0)
        {
            return;
        }
        var missionId = Guid.Parse(items[0].MissionId);
        await Pg.ExecuteAsync(batch.Connection,
            """
            INSERT INTO attachments (organization, mission_id, kind, item_id, created, definition_json, created_at, updated_at)
            SELECT $1, $2, kind, item_id, created, definition_json, $7, $7 FROM unnest($3::text[], $4::text[], $5::uuid[], $6::text[])
                AS item (kind, item_id, created, definition_json)
            """,
            ct, organization, missionId, Pg.Texts(items.Select(i => i.Kind.Key)), Pg.Texts(items.Select(i => i.ItemId)),
            Pg.Uuids(items.Select(_ => backend.Ids.NewId())), Pg.Texts(items.Select(i => i.DefinitionJson)), items[0].CreatedAt).ConfigureAwait(false);
        await Pg.ExecuteAsync(batch.Connection, "UPDATE missions SET attachment_count = attachment_count + $3 WHERE organization = $1 AND id = $2",
            ct, organization, missionId, items.Count).ConfigureAwait(false);
    }
}
