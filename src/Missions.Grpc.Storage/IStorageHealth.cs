namespace Missions.Grpc.Storage;

/// <summary>Whether the backend answers; feeds /healthz and grpc.health.v1.</summary>
public interface IStorageHealth
{
    /// <summary>Throws when the backend cannot serve reads.</summary>
    Task CheckAsync(CancellationToken cancellationToken = default);
}
