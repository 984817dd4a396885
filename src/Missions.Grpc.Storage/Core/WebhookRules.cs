namespace Missions.Grpc.Storage.Core;

/// <summary>The rules of webhook endpoints and their deliveries, backend-free.</summary>
internal static class WebhookRules
{
    public static WebhookDocument Create(string organization, NewWebhook webhook, string id, DateTime now) => new()
    {
        Id = id,
        Organization = organization,
        Url = webhook.Url,
        EventTypes = Distinct(webhook.EventTypes),
        MissionId = webhook.MissionId?.ToString(),
        Description = webhook.Description,
        Enabled = webhook.Enabled,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>Present fields replace; <c>updated_at</c> advances on every update.</summary>
    public static WebhookDocument Apply(WebhookDocument stored, WebhookChanges changes, DateTime now) => stored with
    {
        Url = changes.Url ?? stored.Url,
        EventTypes = changes.EventTypes is { Count: > 0 } types ? Distinct(types) : stored.EventTypes,
        MissionId = changes.ClearMission ? null : changes.MissionId?.ToString() ?? stored.MissionId,
        Description = changes.Description ?? stored.Description,
        Enabled = changes.Enabled ?? stored.Enabled,
        UpdatedAt = now,
    };

    /// <summary>A <see cref="WebhookEventTypes.Test"/> delivery to the endpoint, due now.</summary>
    public static DeliveryDocument Test(WebhookDocument webhook, string id, string eventId, DateTime now) => new()
    {
        Id = id,
        Organization = webhook.Organization,
        WebhookId = webhook.Id,
        EventId = eventId,
        EventType = WebhookEventTypes.Test,
        OccurredAt = now,
        ChangeNumber = 0,
        SubjectKind = WebhookSubject.TestKind,
        SubjectJson = "{}",
        Status = DeliveryStatus.Pending,
        Attempts = 0,
        NextAttemptAt = now,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>Due now with a fresh schedule: the attempts so far stay counted, the schedule starts again from them.</summary>
    public static DeliveryDocument Retry(DeliveryDocument stored, DateTime now) => stored with
    {
        Status = DeliveryStatus.Pending,
        ScheduleStart = stored.Attempts,
        NextAttemptAt = now,
        UpdatedAt = now,
    };

    /// <summary>Claimed for its next attempt: counted, and held until the lease ends (then due again: a claimant that died).</summary>
    public static DeliveryDocument Claim(DeliveryDocument stored, DateTime now, TimeSpan lease) => stored with
    {
        Attempts = stored.Attempts + 1,
        NextAttemptAt = now + lease,
        UpdatedAt = now,
    };

    /// <summary>A delivery of a disabled endpoint is not sent: it fails (a retry after enabling the endpoint sends it).</summary>
    public static DeliveryDocument Disabled(DeliveryDocument stored, DateTime now) => stored with
    {
        Status = DeliveryStatus.Failed,
        LastError = "The webhook is disabled.",
        NextAttemptAt = null,
        UpdatedAt = now,
    };

    /// <summary>
    /// The attempt's result, when it is still the delivery's latest attempt; a success is recorded whenever the delivery is
    /// still pending (delivered is delivered, even by a claim that outlived its lease). Null: nothing to record.
    /// </summary>
    public static DeliveryDocument? Record(DeliveryDocument stored, DeliveryAttempt attempt, DateTime now)
    {
        if (stored.Status != DeliveryStatus.Pending || (stored.Attempts != attempt.Attempt && !attempt.Succeeded))
        {
            return null;
        }
        return stored with
        {
            Status = attempt.Succeeded ? DeliveryStatus.Succeeded : attempt.RetryAt is null ? DeliveryStatus.Failed : DeliveryStatus.Pending,
            LastStatusCode = attempt.StatusCode,
            LastError = attempt.Succeeded ? null : attempt.Error,
            LastResponseExcerpt = attempt.ResponseExcerpt,
            NextAttemptAt = attempt.Succeeded ? null : attempt.RetryAt,
            UpdatedAt = now,
        };
    }

    private static List<string> Distinct(IEnumerable<string> types) => types.Distinct(StringComparer.Ordinal).ToList();
}
