namespace Missions.Grpc.Storage;

/// <summary>
/// Configuration section <c>Quotas</c>: what one organization may keep, so that no tenant can fill what all share. A
/// write past a quota stores nothing and is refused (<see cref="QuotaExceededException"/>); deletes free quota. Decided
/// in the write's transaction from counters (across PostgreSQL replicas under a per-organization lock), never by a read
/// before the write.
/// </summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quotas";

    public long MaxMissionsPerOrganization { get; set; } = 10_000;

    public long MaxRunsPerMission { get; set; } = 100_000;

    public long MaxEventsPerRun { get; set; } = 100_000;

    /// <summary>
    /// What the organization's objects and stored Idempotency-Key answers take: each counted by the bytes of its text
    /// and JSON (UTF-8) plus 64 for its fixed fields, rounded up to whole KiB.
    /// </summary>
    public long MaxStoredBytesPerOrganization { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Idempotency-Key records kept at once (each for <c>Idempotency:RetentionHours</c>).</summary>
    public long MaxIdempotencyKeysPerOrganization { get; set; } = 1_000_000;

    /// <summary>Webhook endpoints an organization may have.</summary>
    public long MaxWebhooksPerOrganization { get; set; } = 100;

    /// <summary>
    /// Webhook deliveries not yet delivered (or failed for good) an organization may have waiting: a change that would
    /// queue more is refused, so an endpoint that is down cannot grow the outbox without bound.
    /// </summary>
    public long MaxPendingDeliveriesPerOrganization { get; set; } = 100_000;
}
