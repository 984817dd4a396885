namespace Missions.Grpc.Storage;

/// <summary>Whether the backend serves reads and writes; feeds /healthz and grpc.health.v1.</summary>
public interface IStorageHealth
{
    /// <summary>The backend's state now, without waiting on it.</summary>
    StorageHealthReport Check();
}
