namespace Missions.Grpc.Storage.Postgres;

/// <summary>Idempotency keys: the <c>idempotency_keys</c> table, purged along its expiry index.</summary>
internal sealed class PostgresIdempotencyStore(PostgresBackend backend) : IIdempotencyStore
{
    public Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<int>(async (batch, ct) =>
        {
            var purged = await Pg.ExecuteAsync(batch.Connection,
                "DELETE FROM idempotency_keys WHERE (organization, key) IN " +
                "(SELECT organization, key FROM idempotency_keys WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
                ct, Pg.Time(backend.Clock.Now()), limit).ConfigureAwait(false);
            batch.Count(-purged, IdempotencyRules.Counter);
            return purged;
        }, cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
            await Pg.FirstAsync(connection, "SELECT count FROM counters WHERE key = $1", r => r.GetInt64(0), ct, IdempotencyRules.Counter).ConfigureAwait(false),
            cancellationToken);
}
