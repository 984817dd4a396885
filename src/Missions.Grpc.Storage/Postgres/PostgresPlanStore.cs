using System.Text.Json;
using Npgsql;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// Plans: the <c>steps</c> table, keyed by (organization, run, step id), ordered by (sequence, creation). Plan changes
/// lock the run's row, so <see cref="PlanRules"/> decides against every step committed before, on any replica.
/// </summary>
internal sealed class PostgresPlanStore(PostgresBackend backend) : IPlanStore
{
    public Task<IReadOnlyList<StepDocument>> AddStepsAsync(
        string organization, Guid missionId, Guid runId, IReadOnlyList<NewStep> steps, bool initialPlan, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<IReadOnlyList<StepDocument>>(async (batch, ct) =>
        {
            var resolved = await PostgresLookups.RunAsync(batch.Connection, organization, missionId, runId, "FOR UPDATE", ct).ConfigureAwait(false);
            if (resolved.Failed)
            {
                return Outcome<IReadOnlyList<StepDocument>>.Fail(resolved.Error!);
            }
            var counter = CounterKeys.Steps(organization, runId.ToString());
            var named = steps.Select(s => s.StepId).Concat(steps.Select(s => s.ParentStepId).OfType<string>()).Distinct().ToList();
            var stored = (await Pg.ListAsync(batch.Connection, "SELECT step_id FROM steps WHERE organization = $1 AND run_id = $2 AND step_id = ANY($3)",
                r => r.Text(0), ct, organization, runId, Pg.Texts(named)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            var decided = PlanRules.Add(runId.ToString(), steps, initialPlan, await batch.CounterAsync(counter, ct).ConfigureAwait(false), stored.Contains);
            if (decided.Failed)
            {
                return decided;
            }
            var created = decided.Value!;
            await Pg.ExecuteAsync(batch.Connection,
                """
                INSERT INTO steps (organization, run_id, step_id, sequence, created, description, status, parent_step_id, metadata_json)
                SELECT $1, $2, step_id, sequence, created, description, status, parent_step_id, metadata_json
                FROM unnest($3::text[], $4::integer[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[])
                    AS step (step_id, sequence, created, description, status, parent_step_id, metadata_json)
                """,
                ct, organization, runId, Pg.Texts(created.Select(s => s.StepId)), created.Select(s => s.Sequence).ToArray(),
                Pg.Uuids(created.Select(_ => backend.Ids.NewId())), Pg.Texts(created.Select(s => s.Description)), Pg.Texts(created.Select(s => s.Status)),
                Pg.Texts(created.Select(s => s.ParentStepId)), Pg.Texts(created.Select(s => s.MetadataJson))).ConfigureAwait(false);
            batch.Count(created.Count, counter);
            foreach (var step in created)
            {
                await batch.RecordChangeAsync(organization, runId, PostgresFeed.StepChange, JsonSerializer.Serialize(step), ct).ConfigureAwait(false);
            }
            return decided;
        }, cancellationToken);

    public Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        backend.ReadAsync<IReadOnlyList<StepDocument>>(async (connection, ct) =>
        {
            await PostgresLookups.RequireRunAsync(connection, organization, missionId, runId, ct).ConfigureAwait(false);
            return await Pg.ListAsync(connection, $"SELECT {StepColumns} FROM steps WHERE organization = $1 AND run_id = $2 ORDER BY sequence, created",
                Step, ct, organization, runId).ConfigureAwait(false);
        }, cancellationToken);

    public Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
        {
            await PostgresLookups.RequireRunAsync(connection, organization, missionId, runId, ct).ConfigureAwait(false);
            return await Pg.FirstAsync(connection, $"SELECT {StepColumns} FROM steps WHERE organization = $1 AND run_id = $2 AND step_id = $3",
                Step, ct, organization, runId, stepId).ConfigureAwait(false) ?? throw NotFound.Step();
        }, cancellationToken);

    public Task<StepDocument> ChangeStepAsync(
        string organization, Guid missionId, Guid runId, string stepId, StepChange change, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<StepDocument>(async (batch, ct) =>
        {
            var resolved = await PostgresLookups.RunAsync(batch.Connection, organization, missionId, runId, "FOR UPDATE", ct).ConfigureAwait(false);
            if (resolved.Failed)
            {
                return Outcome<StepDocument>.Fail(resolved.Error!);
            }
            var stored = await Pg.FirstAsync(batch.Connection, $"SELECT {StepColumns} FROM steps WHERE organization = $1 AND run_id = $2 AND step_id = $3",
                Step, ct, organization, runId, stepId).ConfigureAwait(false);
            if (stored is null)
            {
                return Outcome<StepDocument>.Fail(NotFound.Step());
            }
            var (step, changed) = StepRules.Apply(stored, change, backend.Clock.Now());
            if (changed)
            {
                await Pg.ExecuteAsync(batch.Connection,
                    "UPDATE steps SET status = $4, metadata_json = $5, started_at = $6, completed_at = $7 WHERE organization = $1 AND run_id = $2 AND step_id = $3",
                    ct, organization, runId, stepId, step.Status, step.MetadataJson, Pg.Time(step.StartedAt), Pg.Time(step.CompletedAt)).ConfigureAwait(false);
                await batch.RecordChangeAsync(organization, runId, PostgresFeed.StepChange, JsonSerializer.Serialize(step), ct).ConfigureAwait(false);
            }
            return step;
        }, cancellationToken);
}
