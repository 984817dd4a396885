using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>Finding a mission or a run the way every store does: scoped by organization, with the one not-found convention.</summary>
internal static class PostgresLookups
{
    /// <summary>Whether the organization has the mission; with <paramref name="lockClause"/> (<c>FOR SHARE</c>, <c>FOR UPDATE</c>) it stays so until the commit.</summary>
    public static async Task<bool> MissionExistsAsync(NpgsqlConnection connection, string organization, Guid missionId, string lockClause, CancellationToken cancellationToken) =>
        await Pg.FirstAsync(connection, $"SELECT 1 FROM missions WHERE organization = $1 AND id = $2 {lockClause}", _ => true, cancellationToken, organization, missionId)
            .ConfigureAwait(false);

    /// <summary>
    /// The run addressed by mission and run id (locked by <paramref name="lockClause"/>), or the not-found error: "Run" when
    /// the mission exists, "Mission" when it does not.
    /// </summary>
    public static async Task<Outcome<RunDocument>> RunAsync(
        NpgsqlConnection connection, string organization, Guid missionId, Guid runId, string lockClause, CancellationToken cancellationToken)
    {
        var run = await Pg.FirstAsync(connection,
            $"SELECT {PostgresRows.RunColumns} FROM runs WHERE organization = $1 AND id = $2 AND mission_id = $3 {lockClause}",
            PostgresRows.Run, cancellationToken, organization, runId, missionId).ConfigureAwait(false);
        return run is not null
            ? run
            : Outcome<RunDocument>.Fail(NotFound.RunOrMission(await MissionExistsAsync(connection, organization, missionId, "", cancellationToken).ConfigureAwait(false)));
    }

    /// <summary>The run for a read; throws not-found.</summary>
    public static async Task<RunDocument> RequireRunAsync(NpgsqlConnection connection, string organization, Guid missionId, Guid runId, CancellationToken cancellationToken) =>
        (await RunAsync(connection, organization, missionId, runId, "", cancellationToken).ConfigureAwait(false)).Unwrap();

    /// <summary>A counter's value (0 when absent).</summary>
    public static async Task<int> CounterAsync(NpgsqlConnection connection, string key, CancellationToken cancellationToken) =>
        await Pg.FirstAsync(connection, "SELECT count FROM counters WHERE key = $1", r => (int)r.GetInt64(0), cancellationToken, key).ConfigureAwait(false);
}
