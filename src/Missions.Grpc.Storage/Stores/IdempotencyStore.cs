using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class IdempotencyStore(StorageBackend backend) : IIdempotencyStore
{
    public Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken = default) =>
        backend.Pipeline.ExecuteAsync(new PurgeExpiredKeys(backend.Clock.Now(), limit), idempotency: null, cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) => backend.Reads.CountIdempotencyKeysAsync(cancellationToken);
}
