using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Webhooks: the <c>webhooks</c> collection along <c>OrgKey</c>; their deliveries along <c>WebhookKey</c>.</summary>
internal sealed class LiteDbWebhookReads(LiteDbConnection connection) : IWebhookReads
{
    public Task<WebhookDocument> GetWebhookAsync(string organization, Guid webhookId, CancellationToken cancellationToken) =>
        connection.ReadAsync(c => Require(c, organization, webhookId).ToDocument());

    public Task<Page<WebhookDocument>> ListWebhooksAsync(string organization, int offset, int limit, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            var total = c.Count(CounterKeys.Webhooks(organization));
            var items = offset >= total
                ? []
                : PageOf(c.Webhooks, nameof(WebhookRecord.OrgKey), Keys.Prefix(organization), offset, limit)
                    .Where(r => r.Organization == organization)
                    .Select(r => r.ToDocument())
                    .ToList();
            return new Page<WebhookDocument>(items, total);
        });

    public Task<Page<DeliveryDocument>> ListDeliveriesAsync(string organization, Guid webhookId, int offset, int limit, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            Require(c, organization, webhookId);
            var total = c.Count(CounterKeys.Deliveries(organization, webhookId.ToString()));
            var items = offset >= total
                ? []
                : PageOf(c.Deliveries, nameof(DeliveryRecord.WebhookKey), Keys.Prefix(organization, webhookId.ToString()), offset, limit)
                    .Where(r => r.Organization == organization)
                    .Select(r => r.ToDocument())
                    .ToList();
            return new Page<DeliveryDocument>(items, total);
        });

    /// <summary>The due index holds exactly the pending deliveries (its key is null once one ended): counted from the index alone.</summary>
    public Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken) =>
        connection.ReadAsync(c => (long)CountOf(c.Deliveries, nameof(DeliveryRecord.DueKey), ""));

    private static WebhookRecord Require(LiteDbCollections c, string organization, Guid webhookId) =>
        c.Webhooks.FindById(webhookId.ToString()) is { } found && found.Organization == organization ? found : throw NotFound.Webhook();
}
