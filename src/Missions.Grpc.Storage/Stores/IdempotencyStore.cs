using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class IdempotencyStore(IStorageReads reads, WritePipeline writes, StoreClock clock) : IIdempotencyStore
{
    public Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken = default) =>
        writes.ExecuteAsync(new PurgeExpiredKeys(clock.Now(), limit), idempotency: null, cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) => reads.CountIdempotencyKeysAsync(cancellationToken);
}
