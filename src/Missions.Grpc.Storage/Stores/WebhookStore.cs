using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class WebhookStore(StorageBackend backend) : IWebhookStore
{
    private TaskCompletionSource _queued = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _listening;

    private IWebhookReads Reads => backend.Reads.Webhooks;

    private WritePipeline Writes => backend.Pipeline;

    public Task<WebhookDocument> CreateWebhookAsync(string organization, NewWebhook webhook, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new CreateWebhook(organization, webhook), idempotency, cancellationToken);

    public Task<WebhookDocument> GetWebhookAsync(string organization, Guid webhookId, CancellationToken cancellationToken = default) =>
        Reads.GetWebhookAsync(organization, webhookId, cancellationToken);

    public Task<Page<WebhookDocument>> ListWebhooksAsync(string organization, int offset, int limit, CancellationToken cancellationToken = default) =>
        Reads.ListWebhooksAsync(organization, offset, limit, cancellationToken);

    public Task<WebhookDocument> UpdateWebhookAsync(string organization, Guid webhookId, WebhookChanges changes, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new UpdateWebhook(organization, webhookId, changes), idempotency, cancellationToken);

    public Task DeleteWebhookAsync(string organization, Guid webhookId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new DeleteWebhook(organization, webhookId), idempotency, cancellationToken);

    public Task<Page<DeliveryDocument>> ListDeliveriesAsync(string organization, Guid webhookId, int offset, int limit, CancellationToken cancellationToken = default) =>
        Reads.ListDeliveriesAsync(organization, webhookId, offset, limit, cancellationToken);

    public Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken = default) => Reads.CountPendingDeliveriesAsync(cancellationToken);

    public Task<DeliveryDocument> RetryDeliveryAsync(string organization, Guid webhookId, Guid deliveryId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new RetryDelivery(organization, webhookId, deliveryId), idempotency, cancellationToken);

    public Task<DeliveryDocument> TestWebhookAsync(string organization, Guid webhookId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new TestWebhook(organization, webhookId), idempotency, cancellationToken);

    public Task WhenDeliveriesQueuedAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _listening, 1) == 0)
        {
            Writes.DeliveriesQueued += () =>
                Interlocked.Exchange(ref _queued, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        return Volatile.Read(ref _queued).Task.WaitAsync(cancellationToken);
    }

    public Task<IReadOnlyList<DueDelivery>> ClaimDueAsync(DeliveryClaim claim, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new ClaimDeliveries(claim, backend.Clock.Now()), null, cancellationToken);

    public Task RecordAttemptAsync(DeliveryAttempt attempt, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new RecordAttempt(attempt), null, cancellationToken);

    public Task<int> PurgeDeliveriesAsync(DateTime before, int limit, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new PurgeDeliveries(before, limit), null, cancellationToken);

    public Task<string> KeepSettingAsync(string name, string proposed, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new KeepSetting(name, proposed), null, cancellationToken);
}
