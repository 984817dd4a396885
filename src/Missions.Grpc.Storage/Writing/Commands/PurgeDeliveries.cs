using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A bounded round of the deliveries' purge: ones that ended (succeeded or failed) before <paramref name="before"/>.</summary>
internal sealed class PurgeDeliveries(DateTime before, int limit) : WriteCommand<int>
{
    public override string Operation => "PurgeDeliveries";

    public override string? Organization => null;

    public override void Declare(BatchNeeds needs) => needs.Ended(before, limit);

    public override Outcome<int> Execute(BatchState batch)
    {
        var purged = 0;
        foreach (var key in batch.Ended)
        {
            if (purged == limit)
            {
                break;
            }
            // The batch's load serves every purge in it (the latest time): this one takes what ended before its own.
            if (batch.Delivery(key.Organization, key.Id) is { } stored && stored.Status != DeliveryStatus.Pending && stored.UpdatedAt < before)
            {
                batch.DeleteDelivery(stored);
                purged++;
            }
        }
        return purged;
    }
}
