using Npgsql;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>Missions: the <c>missions</c> table, listed newest first along its primary key (organization, UUIDv7 id).</summary>
internal sealed class PostgresMissionStore(PostgresBackend backend) : IMissionStore
{
    private const string Insert =
        "INSERT INTO missions (organization, id, name, description, model, instructions, execution_mode, metadata_json, created_at, updated_at, attachment_count) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

    public Task<MissionDocument> CreateMissionAsync(NewMission mission, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<MissionDocument>(async (batch, ct) =>
            await InsertAsync(batch, MissionRules.Create(mission, backend.Ids.NewId().ToString(), backend.Clock.Now()), 0, ct).ConfigureAwait(false),
            cancellationToken);

    public Task<MissionDocument> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
            await Pg.FirstAsync(connection, $"SELECT {MissionColumns} FROM missions WHERE organization = $1 AND id = $2", Mission, ct, organization, missionId)
                .ConfigureAwait(false) ?? throw NotFound.Mission(),
            cancellationToken);

    public Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Pg.BatchCommand("SELECT count FROM counters WHERE key = $1", CounterKeys.Missions(organization)),
                    Pg.BatchCommand($"SELECT {MissionColumns} FROM missions WHERE organization = $1 ORDER BY id DESC OFFSET $2 LIMIT $3", organization, offset, limit),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var total = await reader.ReadAsync(ct).ConfigureAwait(false) ? (int)reader.GetInt64(0) : 0;
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            return new Page<MissionDocument>(await Pg.ReadAllAsync(reader, Mission, ct).ConfigureAwait(false), total);
        }, cancellationToken);

    public Task<MissionDocument> UpdateMissionAsync(string organization, Guid missionId, MissionChanges changes, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<MissionDocument>(async (batch, ct) =>
        {
            var stored = await Pg.FirstAsync(batch.Connection, $"SELECT {MissionColumns} FROM missions WHERE organization = $1 AND id = $2 FOR UPDATE",
                Mission, ct, organization, missionId).ConfigureAwait(false);
            if (stored is null)
            {
                return Outcome<MissionDocument>.Fail(NotFound.Mission());
            }
            var updated = MissionRules.Apply(stored, changes, backend.Clock.Later(stored.UpdatedAt));
            await Pg.ExecuteAsync(batch.Connection,
                "UPDATE missions SET name = $3, description = $4, model = $5, instructions = $6, execution_mode = $7, metadata_json = $8, updated_at = $9 " +
                "WHERE organization = $1 AND id = $2",
                ct, organization, missionId, updated.Name, updated.Description, updated.Model, updated.Instructions, updated.ExecutionMode,
                updated.MetadataJson, updated.UpdatedAt).ConfigureAwait(false);
            return updated;
        }, cancellationToken);

    public async Task DeleteMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        await backend.WriteAsync<bool>(async (batch, ct) =>
        {
            if (!await PostgresLookups.MissionExistsAsync(batch.Connection, organization, missionId, "FOR UPDATE", ct).ConfigureAwait(false))
            {
                return Outcome<bool>.Fail(NotFound.Mission());
            }
            // Counts first (the rows go with the mission, by the foreign keys' cascade), then the one DELETE.
            var runs = await Pg.ListAsync(batch.Connection, $"SELECT {RunColumns} FROM runs WHERE organization = $1 AND mission_id = $2 FOR UPDATE",
                Run, ct, organization, missionId).ConfigureAwait(false);
            if (runs.Count > 0)
            {
                var runIds = Pg.Uuids(runs.Select(r => Guid.Parse(r.Id)));
                foreach (var (runId, count) in await Pg.ListAsync(batch.Connection,
                    "SELECT run_id, count(*) FROM steps WHERE organization = $1 AND run_id = ANY($2) GROUP BY run_id",
                    r => (r.Id(0), (int)r.GetInt64(1)), ct, organization, runIds).ConfigureAwait(false))
                {
                    batch.Count(-count, CounterKeys.Steps(organization, runId));
                }
                foreach (var (e, count) in await Pg.ListAsync(batch.Connection,
                    "SELECT run_id, type, step_id, agent_id, count(*) FROM events WHERE organization = $1 AND run_id = ANY($2) GROUP BY run_id, type, step_id, agent_id",
                    r => (new EventDocument { Id = "", RunId = r.Id(0), Type = r.Text(1), Summary = "", Timestamp = default, StepId = r.NullableString(2), AgentId = r.NullableString(3) },
                        (int)r.GetInt64(4)),
                    ct, organization, runIds).ConfigureAwait(false))
                {
                    batch.Count(-count, CounterKeys.Of(organization, e));
                }
                foreach (var run in runs)
                {
                    batch.Count(-1, CounterKeys.Of(run));
                    batch.NotifyRemoved(organization, run.Id); // ends the runs' watchers, on every replica
                }
            }
            await Pg.ExecuteAsync(batch.Connection, "DELETE FROM missions WHERE organization = $1 AND id = $2", ct, organization, missionId).ConfigureAwait(false);
            batch.Count(-1, CounterKeys.Missions(organization));
            return true;
        }, cancellationToken).ConfigureAwait(false);

    public Task<MissionDocument> CloneMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<MissionDocument>(async (batch, ct) =>
        {
            var source = await Pg.FirstAsync(batch.Connection, $"SELECT {MissionColumns} FROM missions WHERE organization = $1 AND id = $2 FOR SHARE",
                Mission, ct, organization, missionId).ConfigureAwait(false);
            if (source is null)
            {
                return Outcome<MissionDocument>.Fail(NotFound.Mission());
            }
            // The definition and the attachments (with new ids) are copied, in this one command; runs are not.
            var items = await Pg.ListAsync(batch.Connection,
                $"SELECT {AttachmentColumns} FROM attachments WHERE organization = $1 AND mission_id = $2 ORDER BY kind, created",
                Attachment, ct, organization, missionId).ConfigureAwait(false);
            var clone = await InsertAsync(batch, MissionRules.Create(MissionRules.CloneOf(source), backend.Ids.NewId().ToString(), backend.Clock.Now()), 0, ct)
                .ConfigureAwait(false);
            var copies = items.Select(i => AttachmentRules.Create(i.Kind, backend.Ids.NewId().ToString(), clone.Id, i.DefinitionJson, clone.CreatedAt)).ToList();
            await PostgresAttachmentStore.InsertAsync(batch, backend, organization, copies, ct).ConfigureAwait(false);
            return clone;
        }, cancellationToken);

    private static async Task<MissionDocument> InsertAsync(PgBatch batch, MissionDocument m, int attachmentCount, CancellationToken ct)
    {
        await Pg.ExecuteAsync(batch.Connection, Insert, ct, m.Organization, Guid.Parse(m.Id), m.Name, m.Description, m.Model, m.Instructions,
            m.ExecutionMode, m.MetadataJson, m.CreatedAt, m.UpdatedAt, attachmentCount).ConfigureAwait(false);
        batch.Count(+1, CounterKeys.Missions(m.Organization));
        return m;
    }
}
