using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

internal sealed class PostgresMissionReads(PostgresReads reads) : IMissionReads
{
    public Task<MissionDocument> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken) =>
        reads.ReadAsync($"SELECT {MissionColumns} FROM missions WHERE organization = $1 AND id = $2", [organization, missionId],
            async (r, ct) => await r.ReadAsync(ct).ConfigureAwait(false) ? Mission(r) : throw NotFound.Mission(), cancellationToken);

    public Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            $"SELECT c.total, {Of("m", MissionColumns)} FROM (SELECT (SELECT sum(count)::bigint FROM counters WHERE key = $1) AS total) c " +
            "LEFT JOIN LATERAL (SELECT * FROM missions WHERE organization = $2 ORDER BY id DESC OFFSET $3 LIMIT $4) m ON true",
            [CounterKeys.Missions(organization), organization, offset, limit],
            (r, ct) => Paged.ReadAsync(r, at: 1, column: 2, Mission, ct), cancellationToken);
}
