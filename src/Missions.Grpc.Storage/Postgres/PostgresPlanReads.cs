using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

internal sealed class PostgresPlanReads(PostgresReads reads) : IPlanReads
{
    public Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken) =>
        reads.ReadAsync<IReadOnlyList<StepDocument>>(
            $"SELECT r.id IS NOT NULL, {Of("s", StepColumns)} {PostgresReads.RunScope} " +
            $"LEFT JOIN steps s ON s.organization = r.organization AND s.run_id = r.id {PostgresReads.RunScopeWhere} ORDER BY s.sequence, s.created",
            [organization, runId, missionId],
            async (r, ct) =>
            {
                await PostgresReads.RunFoundAsync(r, ct).ConfigureAwait(false);
                return await Paged.ItemsAsync(r, at: 1, column: 1, (row, at) => Step(row, at), ct).ConfigureAwait(false);
            },
            cancellationToken);

    public Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            $"SELECT r.id IS NOT NULL, {Of("s", StepColumns)} {PostgresReads.RunScope} " +
            $"LEFT JOIN steps s ON s.organization = r.organization AND s.run_id = r.id AND s.step_id = $4 {PostgresReads.RunScopeWhere}",
            [organization, runId, missionId, stepId],
            async (r, ct) => await PostgresReads.RunFoundAsync(r, ct).ConfigureAwait(false) && !r.IsDBNull(1) ? Step(r, 1) : throw NotFound.Step(),
            cancellationToken);
}
