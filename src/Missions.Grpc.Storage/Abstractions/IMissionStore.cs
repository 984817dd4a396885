namespace Missions.Grpc.Storage;

/// <summary>
/// The storage seam for missions. Async and resource-shaped so that a networked backend
/// (PostgreSQL and its wire-compatible relatives) can implement it without touching services.
/// Every call is scoped by organization: a mission of another organization does not exist, and addressing a mission
/// that does not exist throws <see cref="ResourceNotFoundException"/> (<see cref="NotFound"/>: one convention for every
/// store). A returned task completes only once the change is durable (committed to the backend's log).
/// A write takes the request's <c>Idempotency-Key</c>, if it has one (<see cref="IdempotencyScope"/>): the key's record
/// commits in the write's own transaction.
/// </summary>
public interface IMissionStore
{
    /// <summary>Stores a new mission, assigning its UUIDv7 id and its creation time.</summary>
    Task<MissionDocument> CreateMissionAsync(NewMission mission, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>The mission with this id owned by <paramref name="organization"/>.</summary>
    Task<MissionDocument> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the organization's missions, newest first, and how many there are in all.
    /// Costs what the page costs (plus the offset walked), not what the collection holds.
    /// </summary>
    Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>Applies <paramref name="changes"/> (present fields replace).</summary>
    Task<MissionDocument> UpdateMissionAsync(string organization, Guid missionId, MissionChanges changes, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the mission and everything that belongs to it, atomically.</summary>
    Task DeleteMissionAsync(string organization, Guid missionId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>A new mission copying the definition and attachments of an existing one (not its runs).</summary>
    Task<MissionDocument> CloneMissionAsync(string organization, Guid missionId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);
}
