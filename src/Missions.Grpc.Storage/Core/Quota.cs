using System.Globalization;

namespace Missions.Grpc.Storage.Core;

/// <summary>
/// A quota as the write pipeline checks it: the counter it watches, its limit in the counter's unit, and what to tell a
/// caller whose write would go past it (the setting, its limit, what to do).
/// </summary>
internal sealed record Quota(string Setting, long Limit, string Counter, long CounterLimit, string Detail)
{
    public QuotaExceededException Exceeded() => new(Setting, Limit, Detail);

    public static Quota Missions(QuotaOptions quotas, string organization) => Count(
        "MaxMissionsPerOrganization", quotas.MaxMissionsPerOrganization, CounterKeys.Missions(organization),
        "missions", "this organization", "delete missions it no longer needs");

    public static Quota RunsPerMission(QuotaOptions quotas, string organization, Guid missionId) => Count(
        "MaxRunsPerMission", quotas.MaxRunsPerMission, CounterKeys.RunsByMission(organization, missionId.ToString()),
        "runs", "a mission", "start the runs in a new mission (a clone) or delete this one");

    public static Quota EventsPerRun(QuotaOptions quotas, string organization, Guid runId) => Count(
        "MaxEventsPerRun", quotas.MaxEventsPerRun, CounterKeys.RunEvents(organization, runId.ToString()),
        "events", "a run", "log further events in a new run");

    public static Quota IdempotencyKeys(QuotaOptions quotas, string organization) => Count(
        "MaxIdempotencyKeysPerOrganization", quotas.MaxIdempotencyKeysPerOrganization, CounterKeys.IdempotencyKeys(organization),
        "Idempotency-Key records", "this organization", "send writes without an Idempotency-Key, or wait for stored keys to expire");

    public static Quota Webhooks(QuotaOptions quotas, string organization) => Count(
        "MaxWebhooksPerOrganization", quotas.MaxWebhooksPerOrganization, CounterKeys.Webhooks(organization),
        "webhook endpoints", "this organization", "delete endpoints it no longer needs");

    public static Quota PendingDeliveries(QuotaOptions quotas, string organization) => Count(
        "MaxPendingDeliveriesPerOrganization", quotas.MaxPendingDeliveriesPerOrganization, CounterKeys.PendingDeliveries(organization),
        "webhook deliveries waiting to be delivered", "this organization",
        "make its webhook endpoints answer (or disable or delete the ones that do not): their deliveries are then delivered or fail");

    public static Quota StoredBytes(QuotaOptions quotas, string organization) => new(
        $"Quotas:MaxStoredBytesPerOrganization", quotas.MaxStoredBytesPerOrganization, CounterKeys.StoredKiB(organization),
        quotas.MaxStoredBytesPerOrganization / 1024,
        $"Quota exceeded: this organization may store at most {quotas.MaxStoredBytesPerOrganization.ToString("N0", CultureInfo.InvariantCulture)} bytes " +
        "(Quotas:MaxStoredBytesPerOrganization); nothing was stored. Delete missions (with their runs) or smaller payloads make room.");

    private static Quota Count(string setting, long limit, string counter, string what, string holder, string remedy) => new(
        "Quotas:" + setting, limit, counter, limit,
        $"Quota exceeded: {holder} may hold at most {limit.ToString("N0", CultureInfo.InvariantCulture)} {what} (Quotas:{setting}); nothing was stored. To make room, {remedy}.");
}
