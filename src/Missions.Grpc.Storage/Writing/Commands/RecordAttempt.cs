using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>An attempt's result (<see cref="WebhookRules.Record"/>); nothing when the delivery is gone or moved on.</summary>
internal sealed class RecordAttempt(DeliveryAttempt attempt) : WriteCommand<bool>
{
    public override string Operation => "RecordDeliveryAttempt";

    public override string? Organization => null; // it lowers what the organization has pending, never raises it

    public override void Declare(BatchNeeds needs) => needs.Deliveries.Add((attempt.Organization, attempt.DeliveryId));

    public override Outcome<bool> Execute(BatchState batch)
    {
        if (batch.Delivery(attempt.Organization, attempt.DeliveryId) is not { } stored
            || WebhookRules.Record(stored, attempt, batch.Clock.Now()) is not { } recorded)
        {
            return false;
        }
        batch.UpdateDelivery(stored, recorded);
        return true;
    }
}
