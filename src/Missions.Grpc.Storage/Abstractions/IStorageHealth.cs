namespace Missions.Grpc.Storage;

/// <summary>Whether the backend serves reads and writes; feeds /healthz and grpc.health.v1.</summary>
public interface IStorageHealth
{
    /// <summary>The backend's state now, without waiting on it.</summary>
    StorageHealthReport Check();
}

/// <summary>How storage is doing.</summary>
public enum StorageHealthStatus
{
    /// <summary>Reads and writes work.</summary>
    Healthy,

    /// <summary>Reads work; writes (or log checkpoints) are failing and are retried.</summary>
    Degraded,

    /// <summary>Storage cannot serve reads either.</summary>
    Unavailable,
}

/// <summary>A health answer with the operator's explanation (never tenant data).</summary>
public sealed record StorageHealthReport(StorageHealthStatus Status, string Description);
