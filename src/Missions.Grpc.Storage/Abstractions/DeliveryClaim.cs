namespace Missions.Grpc.Storage;

/// <summary>
/// Which due deliveries a worker takes: at most <paramref name="Limit"/>; at most <paramref name="FreeSlots"/> per
/// endpoint named there (an endpoint not named has <paramref name="PerEndpoint"/>), none of an endpoint with no free
/// slot; and at most <paramref name="FreeByOrganization"/> per organization named there (one not named has
/// <paramref name="PerOrganization"/>), so that one organization's endpoints, however many, never hold every slot. Each is
/// held for <paramref name="Lease"/>: if its attempt is not recorded by then (a killed replica), it is due again and
/// another worker takes it.
/// </summary>
public sealed record DeliveryClaim(
    int Limit, int PerEndpoint, IReadOnlyDictionary<Guid, int> FreeSlots, TimeSpan Lease,
    int PerOrganization = int.MaxValue, IReadOnlyDictionary<string, int>? FreeByOrganization = null);
