namespace Missions.Grpc.Storage;

/// <summary>
/// The storage seam for runs. Every call is scoped by organization and by the run's mission: a run
/// addressed under another mission, or of another organization, does not exist
/// (<see cref="ResourceNotFoundException"/> "Run"; "Mission" when the mission itself is unknown).
/// A write takes the request's <c>Idempotency-Key</c>, if it has one (<see cref="IdempotencyScope"/>): the key's record
/// commits in the write's own transaction.
/// </summary>
public interface IRunStore
{
    /// <summary>Starts a run of the mission: <c>pending</c>, <c>started_at</c> = creation time.</summary>
    Task<RunDocument> CreateRunAsync(string organization, Guid missionId, NewRun run, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of runs, newest first, with the number matching the filter across all pages. Walks an
    /// index of (organization[, mission][, status], creation order): costs what the page costs.
    /// </summary>
    Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Statistics of the mission's newest <paramref name="window"/> runs (the runs list's order) and its run total. Reads the
    /// window and a counter, never every run: costs what a page of <paramref name="window"/> runs costs.
    /// </summary>
    Task<RunStats> GetRunStatsAsync(string organization, Guid missionId, int window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="change"/> atomically: its transition is decided against the stored status in
    /// the same write that applies it, so of two conflicting transitions exactly one wins; the loser gets
    /// <see cref="ConflictException"/>. <c>updated_at</c> advances only when a stored value changes;
    /// entering a terminal status stamps <c>finished_at</c>.
    /// </summary>
    Task<RunDocument> ChangeRunAsync(string organization, Guid missionId, Guid runId, RunChange change, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);
}
