namespace Missions.Grpc.Storage;

/// <summary>The events pushed to webhooks, in Telnyx's <c>noun.verb</c> style.</summary>
public static class WebhookEventTypes
{
    public const string RunCreated = "mission_run.created";
    public const string RunStatusChanged = "mission_run.status_changed";
    public const string RunSucceeded = "mission_run.succeeded";
    public const string RunFailed = "mission_run.failed";
    public const string RunCancelled = "mission_run.cancelled";
    public const string RunPaused = "mission_run.paused";
    public const string EventLogged = "mission_run.event_logged";
    public const string PlanUpdated = "mission_run.plan_updated";

    /// <summary>Sent by <c>TestWebhook</c> only, to the one endpoint, whatever it subscribes to.</summary>
    public const string Test = "webhook.test";

    /// <summary>Every type an endpoint can subscribe to.</summary>
    public static IReadOnlyList<string> All { get; } =
        [RunCreated, RunStatusChanged, RunSucceeded, RunFailed, RunCancelled, RunPaused, EventLogged, PlanUpdated];

    /// <summary>The outcome event a run entering <paramref name="status"/> also raises, if any (a subscriber may want failures only).</summary>
    public static string? OutcomeOf(string status) => status switch
    {
        RunStatus.Succeeded => RunSucceeded,
        RunStatus.Failed => RunFailed,
        RunStatus.Cancelled => RunCancelled,
        RunStatus.Paused => RunPaused,
        _ => null,
    };
}
