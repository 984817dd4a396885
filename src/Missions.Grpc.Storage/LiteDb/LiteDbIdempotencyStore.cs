namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Idempotency keys: records stored per writer batch (<see cref="LiteDbIdempotencyKeys"/>), purged whole documents at a time, oldest first.</summary>
internal sealed class LiteDbIdempotencyStore(LiteDbBackend backend) : IIdempotencyStore
{
    public Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<int>(db =>
        {
            var purged = backend.Writer.IdempotencyKeys.Purge(db, backend.Clock.Now(), limit);
            backend.Count(-purged, IdempotencyRules.Counter);
            return purged;
        }, cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        backend.Read(c => (long)c.Count(IdempotencyRules.Counter));
}
