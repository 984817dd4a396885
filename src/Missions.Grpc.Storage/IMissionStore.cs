namespace Missions.Grpc.Storage;

/// <summary>
/// The storage seam for missions. Async and resource-shaped so that a networked backend
/// (PostgreSQL and its wire-compatible relatives) can implement it without touching services.
/// Every call is scoped by organization: a mission of another organization does not exist.
/// A returned task completes only once the change is durable (committed to the backend's log).
/// </summary>
public interface IMissionStore
{
    /// <summary>Stores a new mission, assigning its UUIDv7 id and its creation time.</summary>
    Task<MissionDocument> CreateMissionAsync(NewMission mission, CancellationToken cancellationToken = default);

    /// <summary>The mission with this id owned by <paramref name="organization"/>, or null.</summary>
    Task<MissionDocument?> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default);
}
