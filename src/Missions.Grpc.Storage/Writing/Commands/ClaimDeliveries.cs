using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>
/// Due deliveries for one attempt each, in due order, within the claim's limits per endpoint and per organization; a delivery of a disabled
/// endpoint fails instead (a test is sent anyway). The claim is the delivery's lease: its next attempt time moves to the
/// lease's end, so a claimant that dies leaves it due again for another.
/// </summary>
internal sealed class ClaimDeliveries(DeliveryClaim claim, DateTime now) : WriteCommand<IReadOnlyList<DueDelivery>>
{
    public override string Operation => "ClaimDeliveries";

    public override string? Organization => null;

    public override void Declare(BatchNeeds needs) =>
        needs.Due(now, claim.Limit, Math.Max(claim.PerEndpoint, claim.FreeSlots.Values.DefaultIfEmpty(0).Max()),
            claim.FreeSlots.Where(s => s.Value <= 0).Select(s => s.Key).ToList());

    public override Outcome<IReadOnlyList<DueDelivery>> Execute(BatchState batch)
    {
        var claimed = new List<DueDelivery>();
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        var takenByOrganization = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in batch.Due)
        {
            // Not due (any more) at this claim's time: claimed or ended by a command before this one in the batch (a claim
            // leaves a delivery pending, its next attempt at the lease's end), due only at a later claim's time, or its
            // endpoint deleted.
            if (batch.Delivery(key.Organization, key.Id) is not { Status: DeliveryStatus.Pending, NextAttemptAt: { } due } stored || due > now
                || batch.Webhook(key.Organization, Guid.Parse(stored.WebhookId)) is not { } webhook)
            {
                continue;
            }
            if (!webhook.Enabled && stored.EventType != WebhookEventTypes.Test)
            {
                batch.UpdateDelivery(stored, WebhookRules.Disabled(stored, now));
                continue;
            }
            var free = claim.FreeSlots.TryGetValue(Guid.Parse(webhook.Id), out var slots) ? slots : claim.PerEndpoint;
            var freeForOrganization = claim.FreeByOrganization?.TryGetValue(webhook.Organization, out var left) == true ? left : claim.PerOrganization;
            if (taken.GetValueOrDefault(webhook.Id) >= free || takenByOrganization.GetValueOrDefault(webhook.Organization) >= freeForOrganization
                || claimed.Count >= claim.Limit)
            {
                continue;
            }
            taken[webhook.Id] = taken.GetValueOrDefault(webhook.Id) + 1;
            takenByOrganization[webhook.Organization] = takenByOrganization.GetValueOrDefault(webhook.Organization) + 1;
            var attempt = WebhookRules.Claim(stored, now, claim.Lease);
            batch.UpdateDelivery(stored, attempt);
            claimed.Add(new DueDelivery(attempt, webhook.Url));
        }
        return claimed;
    }
}
