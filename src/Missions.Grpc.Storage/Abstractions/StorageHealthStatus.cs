namespace Missions.Grpc.Storage;

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
