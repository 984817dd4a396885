namespace Missions.Grpc.Storage;

/// <summary>
/// Webhook endpoints and their deliveries. The deliveries themselves are written by the write pipeline with the change
/// that causes them (a run created or changed, an event logged, a step added or changed), for every enabled endpoint of
/// the run's organization that wants the event; the delivery workers claim them (<see cref="ClaimDueAsync"/>) and record
/// each attempt (<see cref="RecordAttemptAsync"/>).
/// </summary>
public interface IWebhookStore
{
    Task<WebhookDocument> CreateWebhookAsync(string organization, NewWebhook webhook, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    Task<WebhookDocument> GetWebhookAsync(string organization, Guid webhookId, CancellationToken cancellationToken = default);

    Task<Page<WebhookDocument>> ListWebhooksAsync(string organization, int offset, int limit, CancellationToken cancellationToken = default);

    Task<WebhookDocument> UpdateWebhookAsync(string organization, Guid webhookId, WebhookChanges changes, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the endpoint and its deliveries.</summary>
    Task DeleteWebhookAsync(string organization, Guid webhookId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>The endpoint's deliveries, newest first.</summary>
    Task<Page<DeliveryDocument>> ListDeliveriesAsync(string organization, Guid webhookId, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>Deliveries waiting to be delivered, of every organization (a gauge's value).</summary>
    Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken = default);

    /// <summary>Makes the delivery due now with a fresh schedule (pending again if it had succeeded or failed).</summary>
    Task<DeliveryDocument> RetryDeliveryAsync(string organization, Guid webhookId, Guid deliveryId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>A <see cref="WebhookEventTypes.Test"/> delivery to the endpoint, due now.</summary>
    Task<DeliveryDocument> TestWebhookAsync(string organization, Guid webhookId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes when a write of this process next queues a delivery, or makes one due again (a retry): a worker waits on it
    /// beside its poll, which finds the deliveries other replicas queue.
    /// </summary>
    Task WhenDeliveriesQueuedAsync(CancellationToken cancellationToken = default);

    /// <summary>Claims due deliveries for one attempt each (a delivery of a disabled endpoint is failed instead, tests excepted).</summary>
    Task<IReadOnlyList<DueDelivery>> ClaimDueAsync(DeliveryClaim claim, CancellationToken cancellationToken = default);

    /// <summary>Records an attempt's result (ignored when the delivery is gone, or when a later attempt was claimed since).</summary>
    Task RecordAttemptAsync(DeliveryAttempt attempt, CancellationToken cancellationToken = default);

    /// <summary>Removes at most <paramref name="limit"/> deliveries that ended (succeeded or failed) before <paramref name="before"/>; returns how many.</summary>
    Task<int> PurgeDeliveriesAsync(DateTime before, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The value kept under <paramref name="name"/> with the data (the same for every replica): <paramref name="proposed"/>
    /// is stored if there is none yet, and whatever is stored returned.
    /// </summary>
    Task<string> KeepSettingAsync(string name, string proposed, CancellationToken cancellationToken = default);
}
