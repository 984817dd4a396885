namespace Missions.Grpc.Storage.Core;

/// <summary>
/// The counters stores keep beside the data so that every list total costs one read, named the same in every backend.
/// A counter that reaches zero is removed.
/// </summary>
internal static class CounterKeys
{
    public static string Missions(string organization) => Keys.Of("missions", organization);

    public static string Runs(string organization) => Keys.Of("runs", organization);

    public static string RunsByStatus(string organization, string status) => Keys.Of("runs-by-status", organization, status);

    public static string RunsByMission(string organization, string missionId) => Keys.Of("runs-by-mission", organization, missionId);

    public static string RunsByMissionStatus(string organization, string missionId, string status) =>
        Keys.Of("runs-by-mission-status", organization, missionId, status);

    /// <summary>The counters a run is counted in, one per list (changes with its status).</summary>
    public static string[] Of(RunDocument run) =>
    [
        Runs(run.Organization),
        RunsByStatus(run.Organization, run.Status),
        RunsByMission(run.Organization, run.MissionId),
        RunsByMissionStatus(run.Organization, run.MissionId, run.Status),
    ];

    /// <summary>What the organization stores, in KiB (<see cref="StoredSize"/>): its objects and its Idempotency-Key answers.</summary>
    public static string StoredKiB(string organization) => Keys.Of("stored-kib", organization);

    /// <summary>What a mission holds (its runs and what they hold, its attachments; not its own row), in KiB: what its delete frees with the row.</summary>
    public static string StoredKiBByMission(string organization, string missionId) => Keys.Of("stored-kib-by-mission", organization, missionId);

    /// <summary>The organization's Idempotency-Key records.</summary>
    public static string IdempotencyKeys(string organization) => Keys.Of("idempotency-keys", organization);

    /// <summary>The organization's webhook endpoints (a list's total, a quota).</summary>
    public static string Webhooks(string organization) => Keys.Of("webhooks", organization);

    /// <summary>An endpoint's deliveries (a list's total).</summary>
    public static string Deliveries(string organization, string webhookId) => Keys.Of("webhook-deliveries", organization, webhookId);

    /// <summary>The organization's deliveries still pending (a quota).</summary>
    public static string PendingDeliveries(string organization) => Keys.Of("webhook-pending", organization);

    /// <summary>An endpoint's deliveries still pending (taken off the organization's when the endpoint is deleted).</summary>
    public static string PendingDeliveriesOf(string organization, string webhookId) => Keys.Of("webhook-pending-by-webhook", organization, webhookId);

    public static string Steps(string organization, string runId) => Keys.Of("steps", organization, runId);

    public static string Events(string organization) => Keys.Of("events", organization);

    public static string EventsByType(string organization, string type) => Keys.Of("events-by-type", organization, type);

    public static string RunEvents(string organization, string runId) => Keys.Of("run-events", organization, runId);

    public static string RunEventsByType(string organization, string runId, string type) => Keys.Of("run-events-by-type", organization, runId, type);

    public static string RunEventsByStep(string organization, string runId, string stepId) =>
        Keys.Of("run-events-by-step", organization, runId, Keys.Part(stepId));

    public static string RunEventsByAgent(string organization, string runId, string agentId) =>
        Keys.Of("run-events-by-agent", organization, runId, Keys.Part(agentId));

    /// <summary>The counters an event is counted in.</summary>
    public static IEnumerable<string> Of(string organization, EventDocument e)
    {
        yield return Events(organization);
        yield return EventsByType(organization, e.Type);
        yield return RunEvents(organization, e.RunId);
        yield return RunEventsByType(organization, e.RunId, e.Type);
        if (e.StepId is not null)
        {
            yield return RunEventsByStep(organization, e.RunId, e.StepId);
        }
        if (e.AgentId is not null)
        {
            yield return RunEventsByAgent(organization, e.RunId, e.AgentId);
        }
    }

    /// <summary>The counter of a run's events that <paramref name="filter"/> lists (one filter at most; null for combined filters).</summary>
    public static string? RunEventsMatching(string organization, string runId, EventFilter filter) => filter switch
    {
        { StepId: not null, AgentId: not null } or { StepId: not null, Type: not null } or { AgentId: not null, Type: not null } => null,
        { StepId: { } step } => RunEventsByStep(organization, runId, step),
        { AgentId: { } agent } => RunEventsByAgent(organization, runId, agent),
        { Type: { } type } => RunEventsByType(organization, runId, type),
        _ => RunEvents(organization, runId),
    };
}
