using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Idempotency keys: the <c>idempotency_keys</c> collection, purged along its <c>ExpiresAt</c> index.</summary>
internal sealed class LiteDbIdempotencyStore(LiteDbBackend backend) : IIdempotencyStore
{
    public Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<int>(db =>
        {
            var keys = db.GetCollection<IdempotencyRecord>(LiteDbSchema.IdempotencyKeys);
            var expired = keys.Find(Query.LT(nameof(IdempotencyRecord.ExpiresAt), backend.Clock.Now()), limit: limit).Select(r => r.Id).ToList();
            foreach (var id in expired)
            {
                keys.Delete(id);
            }
            backend.Count(-expired.Count, IdempotencyRules.Counter);
            return expired.Count;
        }, cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        backend.Read(c => (long)c.Count(IdempotencyRules.Counter));
}
