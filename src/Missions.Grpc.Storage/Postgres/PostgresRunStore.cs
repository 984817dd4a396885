using System.Text.Json;
using Npgsql;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// Runs: the <c>runs</c> table with an index per list — (organization), (organization, mission), (organization, status),
/// (organization, mission, status), each ending in the UUIDv7 id — and a counter for each. A change locks the run's row
/// (<c>FOR UPDATE</c>): of two conflicting transitions on any replicas, the second decides against the first's result.
/// </summary>
internal sealed class PostgresRunStore(PostgresBackend backend) : IRunStore
{
    public Task<RunDocument> CreateRunAsync(string organization, Guid missionId, NewRun run, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<RunDocument>(async (batch, ct) =>
        {
            // The mission is held (FOR SHARE) until the commit: a concurrent delete cannot leave an orphan.
            if (!await PostgresLookups.MissionExistsAsync(batch.Connection, organization, missionId, "FOR SHARE", ct).ConfigureAwait(false))
            {
                return Outcome<RunDocument>.Fail(NotFound.Mission());
            }
            var started = RunRules.Start(organization, missionId.ToString(), run, backend.Ids.NewId().ToString(), backend.Clock.Now());
            await Pg.ExecuteAsync(batch.Connection,
                "INSERT INTO runs (organization, id, mission_id, status, started_at, updated_at, input_json, metadata_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                ct, organization, Guid.Parse(started.Id), missionId, started.Status, started.StartedAt, started.UpdatedAt, started.InputJson, started.MetadataJson)
                .ConfigureAwait(false);
            batch.Count(+1, CounterKeys.Of(started));
            return started;
        }, cancellationToken);

    public Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        backend.ReadAsync((connection, ct) => PostgresLookups.RequireRunAsync(connection, organization, missionId, runId, ct), cancellationToken);

    public Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
        {
            if (filter.MissionId is { } missionId && !await PostgresLookups.MissionExistsAsync(connection, organization, missionId, "", ct).ConfigureAwait(false))
            {
                throw NotFound.Mission();
            }
            var mission = filter.MissionId?.ToString();
            // One statement per filter shape, each walking its own index (no OR in the plan).
            var (counter, where) = (mission, filter.Status) switch
            {
                (null, null) => (CounterKeys.Runs(organization), ""),
                (null, { } status) => (CounterKeys.RunsByStatus(organization, status), "AND status = $4"),
                ({ } id, null) => (CounterKeys.RunsByMission(organization, id), "AND mission_id = $4"),
                ({ } id, { } status) => (CounterKeys.RunsByMissionStatus(organization, id, status), "AND mission_id = $4 AND status = $5"),
            };
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Pg.BatchCommand("SELECT count FROM counters WHERE key = $1", counter),
                    Pg.BatchCommand(
                        $"SELECT {RunColumns} FROM runs WHERE organization = $1 {where} ORDER BY id DESC OFFSET $2 LIMIT $3",
                        [organization, offset, limit, .. (filter.MissionId is { } m ? new object?[] { m } : []), .. (filter.Status is { } st ? new object?[] { st } : [])]),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var total = await reader.ReadAsync(ct).ConfigureAwait(false) ? (int)reader.GetInt64(0) : 0;
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            return new Page<RunDocument>(await Pg.ReadAllAsync(reader, Run, ct).ConfigureAwait(false), total);
        }, cancellationToken);

    public Task<RunDocument> ChangeRunAsync(string organization, Guid missionId, Guid runId, RunChange change, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<RunDocument>(async (batch, ct) =>
        {
            var resolved = await PostgresLookups.RunAsync(batch.Connection, organization, missionId, runId, "FOR UPDATE", ct).ConfigureAwait(false);
            if (resolved.Failed)
            {
                return Outcome<RunDocument>.Fail(resolved.Error!);
            }
            var stored = resolved.Value!;
            var decided = RunRules.Apply(stored, change, backend.Clock);
            if (decided.Failed)
            {
                return Outcome<RunDocument>.Fail(decided.Error!);
            }
            var (run, changed) = decided.Value;
            if (changed)
            {
                await Pg.ExecuteAsync(batch.Connection,
                    "UPDATE runs SET status = $3, updated_at = $4, finished_at = $5, metadata_json = $6, result_summary = $7, result_payload_json = $8, error = $9 " +
                    "WHERE organization = $1 AND id = $2",
                    ct, organization, runId, run.Status, run.UpdatedAt, Pg.Time(run.FinishedAt), run.MetadataJson, run.ResultSummary, run.ResultPayloadJson, run.Error)
                    .ConfigureAwait(false);
                batch.Count(-1, CounterKeys.Of(stored));
                batch.Count(+1, CounterKeys.Of(run));
                await batch.RecordChangeAsync(organization, runId, PostgresFeed.RunChange, JsonSerializer.Serialize(run), ct).ConfigureAwait(false);
            }
            return run;
        }, cancellationToken);
}
