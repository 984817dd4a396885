namespace Missions.Grpc.Storage.Stores;

/// <summary>A backend's reads of webhook endpoints and their deliveries (totals from the pipeline's counters).</summary>
internal interface IWebhookReads
{
    Task<WebhookDocument> GetWebhookAsync(string organization, Guid webhookId, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<Page<WebhookDocument>> ListWebhooksAsync(string organization, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>Newest first; the endpoint not found when it is not the organization's.</summary>
    Task<Page<DeliveryDocument>> ListDeliveriesAsync(string organization, Guid webhookId, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>Deliveries pending, of every organization.</summary>
    Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken);
}
