using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

internal sealed class PostgresWebhookReads(PostgresReads reads) : IWebhookReads
{
    public Task<WebhookDocument> GetWebhookAsync(string organization, Guid webhookId, CancellationToken cancellationToken) =>
        reads.ReadAsync($"SELECT {WebhookColumns} FROM webhooks WHERE organization = $1 AND id = $2", [organization, webhookId],
            async (r, ct) => await r.ReadAsync(ct).ConfigureAwait(false) ? Webhook(r) : throw NotFound.Webhook(), cancellationToken);

    public Task<Page<WebhookDocument>> ListWebhooksAsync(string organization, int offset, int limit, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            $"SELECT c.total, {Of("w", WebhookColumns)} FROM (SELECT (SELECT sum(count)::bigint FROM counters WHERE key = $1) AS total) c " +
            "LEFT JOIN LATERAL (SELECT * FROM webhooks WHERE organization = $2 ORDER BY id DESC OFFSET $3 LIMIT $4) w ON true",
            [CounterKeys.Webhooks(organization), organization, offset, limit],
            (r, ct) => Paged.ReadAsync(r, at: 1, column: 2, Webhook, ct), cancellationToken);

    /// <summary>The endpoint's existence, the list's total (its counter) and the page, in one statement: no endpoint is "Webhook not found".</summary>
    public Task<Page<DeliveryDocument>> ListDeliveriesAsync(string organization, Guid webhookId, int offset, int limit, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            $"SELECT c.found, c.total, {Of("d", DeliveryColumns)} FROM (SELECT EXISTS (SELECT 1 FROM webhooks WHERE organization = $2 AND id = $5) AS found, " +
            "(SELECT sum(count)::bigint FROM counters WHERE key = $1) AS total) c " +
            "LEFT JOIN LATERAL (SELECT * FROM webhook_deliveries WHERE organization = $2 AND webhook_id = $5 ORDER BY id DESC OFFSET $3 LIMIT $4) d ON c.found",
            [CounterKeys.Deliveries(organization, webhookId.ToString()), organization, offset, limit, webhookId],
            async (r, ct) =>
            {
                await r.ReadAsync(ct).ConfigureAwait(false);
                return r.GetBoolean(0) ? await Paged.ReadCurrentAsync(r, at: 2, column: 3, Delivery, ct).ConfigureAwait(false) : throw NotFound.Webhook();
            },
            cancellationToken);

    /// <summary>Every organization's pending deliveries: the due order's partial index holds exactly them.</summary>
    public Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken) =>
        reads.ReadAsync("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'", [],
            async (r, ct) => await r.ReadAsync(ct).ConfigureAwait(false) ? r.GetInt64(0) : 0, cancellationToken);
}
