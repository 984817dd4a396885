using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>The delivery due now with a fresh schedule (<see cref="WebhookRules.Retry"/>).</summary>
internal sealed class RetryDelivery(string organization, Guid webhookId, Guid deliveryId) : WriteCommand<DeliveryDocument>
{
    public override string Operation => "RetryDelivery";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Webhooks.Add((organization, webhookId));
        needs.Deliveries.Add((organization, deliveryId));
    }

    public override Outcome<DeliveryDocument> Execute(BatchState batch)
    {
        if (batch.Webhook(organization, webhookId) is null)
        {
            return Outcome<DeliveryDocument>.Fail(NotFound.Webhook());
        }
        if (batch.Delivery(organization, deliveryId) is not { } stored || stored.WebhookId != webhookId.ToString())
        {
            return Outcome<DeliveryDocument>.Fail(NotFound.Delivery());
        }
        var retried = WebhookRules.Retry(stored, batch.Clock.Now());
        batch.UpdateDelivery(stored, retried);
        return retried;
    }
}
