using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A <see cref="WebhookEventTypes.Test"/> delivery to the endpoint, due now.</summary>
internal sealed class TestWebhook(string organization, Guid webhookId) : WriteCommand<DeliveryDocument>
{
    public override string Operation => "TestWebhook";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs) => needs.Webhooks.Add((organization, webhookId));

    public override Outcome<DeliveryDocument> Execute(BatchState batch)
    {
        if (batch.Webhook(organization, webhookId) is not { } webhook)
        {
            return Outcome<DeliveryDocument>.Fail(NotFound.Webhook());
        }
        var delivery = WebhookRules.Test(webhook, batch.Ids.NewId().ToString(), batch.Ids.NewId().ToString(), batch.Clock.Now());
        batch.InsertDelivery(delivery);
        return delivery;
    }
}
