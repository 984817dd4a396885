using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

internal sealed class PostgresRunReads(PostgresReads reads) : IRunReads
{
    public Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken) =>
        reads.ReadAsync($"SELECT r.id IS NOT NULL, {Of("r", RunColumns)} {PostgresReads.RunScope} {PostgresReads.RunScopeWhere}",
            [organization, runId, missionId],
            async (r, ct) => await PostgresReads.RunFoundAsync(r, ct).ConfigureAwait(false) ? Run(r, 1) : throw NotFound.Run(), cancellationToken);

    public Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken)
    {
        var mission = filter.MissionId?.ToString();
        // One statement per filter shape, each walking its own index (no OR in the plan).
        var (counter, where) = (mission, filter.Status) switch
        {
            (null, null) => (CounterKeys.Runs(organization), ""),
            (null, { } status) => (CounterKeys.RunsByStatus(organization, status), "AND status = $6"),
            ({ } id, null) => (CounterKeys.RunsByMission(organization, id), "AND mission_id = $5"),
            ({ } id, { } status) => (CounterKeys.RunsByMissionStatus(organization, id, status), "AND mission_id = $5 AND status = $6"),
        };
        var found = filter.MissionId is null ? "true" : "EXISTS (SELECT 1 FROM missions WHERE organization = $2 AND id = $5)";
        return reads.ReadAsync(
            $"SELECT c.found, c.total, {Of("r", RunColumns)} FROM (SELECT {found} AS found, (SELECT sum(count)::bigint FROM counters WHERE key = $1) AS total) c " +
            $"LEFT JOIN LATERAL (SELECT * FROM runs WHERE organization = $2 {where} ORDER BY id DESC OFFSET $3 LIMIT $4) r ON c.found",
            [counter, organization, offset, limit, Pg.Uuid(filter.MissionId), filter.Status],
            async (r, ct) =>
            {
                await r.ReadAsync(ct).ConfigureAwait(false);
                return r.GetBoolean(0) ? await Paged.ReadCurrentAsync(r, at: 2, column: 3, Run, ct).ConfigureAwait(false) : throw NotFound.Mission();
            },
            cancellationToken);
    }

    /// <summary>
    /// One statement: whether the mission is the organization's, its run counter, and its newest runs' status and times
    /// along <c>runs_by_mission</c> (organization, mission_id, id) backwards, stopping after <paramref name="window"/>.
    /// </summary>
    public Task<RunStatsWindow> ReadStatsWindowAsync(string organization, Guid missionId, int window, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            "SELECT c.found, c.total, r.status, r.started_at, r.finished_at FROM (SELECT EXISTS (SELECT 1 FROM missions WHERE organization = $2 AND id = $3) AS found, " +
            "(SELECT sum(count)::bigint FROM counters WHERE key = $1) AS total) c " +
            "LEFT JOIN LATERAL (SELECT status, started_at, finished_at FROM runs WHERE organization = $2 AND mission_id = $3 ORDER BY id DESC LIMIT $4) r ON c.found",
            [CounterKeys.RunsByMission(organization, missionId.ToString()), organization, missionId, window],
            async (r, ct) =>
            {
                await r.ReadAsync(ct).ConfigureAwait(false);
                if (!r.GetBoolean(0))
                {
                    throw NotFound.Mission();
                }
                var total = r.IsDBNull(1) ? 0 : r.GetInt64(1);
                var runs = await Paged.ItemsAsync(r, at: 2, column: 2, (row, at) => new RunSample(row.Text(at), row.Utc(at + 1), row.NullableUtc(at + 2)), ct)
                    .ConfigureAwait(false);
                return new RunStatsWindow(total, runs);
            },
            cancellationToken);
}
