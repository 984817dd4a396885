namespace Missions.Grpc.Storage;

/// <summary>Stored idempotency keys: the expired are purged in bounded batches; how many are kept.</summary>
public interface IIdempotencyStore
{
    /// <summary>Deletes at most <paramref name="limit"/> expired keys; returns how many it deleted.</summary>
    Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>How many keys are stored (expired ones not yet purged included).</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);
}
