using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>The endpoint and its deliveries (sent or not): nothing more is sent to it.</summary>
internal sealed class DeleteWebhook(string organization, Guid webhookId) : WriteCommand<bool>
{
    public override string Operation => "DeleteWebhook";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Webhooks.Add((organization, webhookId));
        needs.Counters.Add(CounterKeys.Deliveries(organization, webhookId.ToString()));
        needs.Counters.Add(CounterKeys.PendingDeliveriesOf(organization, webhookId.ToString()));
    }

    public override Outcome<bool> Execute(BatchState batch)
    {
        if (batch.Webhook(organization, webhookId) is not { } stored)
        {
            return Outcome<bool>.Fail(NotFound.Webhook());
        }
        batch.DeleteWebhook(stored);
        return true;
    }
}
