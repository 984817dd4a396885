namespace Missions.Grpc.Storage;

/// <summary>
/// The storage seam for a run's plan. Every call addresses the run under its mission and organization
/// (<see cref="ResourceNotFoundException"/> "Mission" or "Run" otherwise). Creating steps is one atomic
/// command: duplicates (in the run or the request) and references are checked against what is stored.
/// </summary>
public interface IPlanStore
{
    /// <summary>
    /// Adds steps to the run's plan, all or none. With <paramref name="initialPlan"/>, a run that already has
    /// steps is a <see cref="ConflictException"/>. A duplicate step id is a conflict; a <c>parent_step_id</c>
    /// naming no step of the run or the request is an <see cref="InvalidReferenceException"/>.
    /// Returns the new steps in request order.
    /// </summary>
    Task<IReadOnlyList<StepDocument>> AddStepsAsync(string organization, Guid missionId, Guid runId, IReadOnlyList<NewStep> steps, bool initialPlan, CancellationToken cancellationToken = default);

    /// <summary>The whole plan, ordered by sequence, then creation.</summary>
    Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default);

    Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken = default);

    /// <summary>Applies the change; stamps <c>started_at</c> (first <c>in_progress</c>) and <c>completed_at</c> (entering a done status).</summary>
    Task<StepDocument> ChangeStepAsync(string organization, Guid missionId, Guid runId, string stepId, StepChange change, CancellationToken cancellationToken = default);
}

/// <summary>The storage seam for a run's events (the audit trail) and the organization's event feed.</summary>
public interface IEventStore
{
    /// <summary>
    /// Stores an event. With an idempotency key already used in the run: the same content replays the
    /// stored event (<see cref="LoggedEvent.Replayed"/>), other content is a <see cref="ConflictException"/>.
    /// Check and insert are one atomic command, so concurrent retries store one event.
    /// </summary>
    Task<LoggedEvent> LogEventAsync(string organization, Guid missionId, Guid runId, NewEvent newEvent, CancellationToken cancellationToken = default);

    /// <summary>One page of the run's events, oldest first (chronological), and the number matching the filter.</summary>
    Task<Page<EventDocument>> ListRunEventsAsync(string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>One page of the organization's events across missions, newest first, optionally of one type.</summary>
    Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>The event with this id in the run ("Event" not found for any other value).</summary>
    Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> of the run's events committed after <paramref name="afterEventId"/>
    /// (from the first when null), oldest first: how a watcher replays. An unknown cursor is "Event" not found.
    /// </summary>
    Task<IReadOnlyList<EventDocument>> EventsAfterAsync(string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken = default);
}

/// <summary>The storage seam for the Telnyx agents linked to a run.</summary>
public interface IAgentLinkStore
{
    /// <summary>The run's links in the order they were made.</summary>
    Task<IReadOnlyList<AgentLinkDocument>> ListLinksAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default);

    /// <summary>Links the agent; an agent already linked to the run is a <see cref="ConflictException"/>.</summary>
    Task<AgentLinkDocument> LinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, CancellationToken cancellationToken = default);

    /// <summary>Removes the link; "Telnyx agent link" not found when there is none.</summary>
    Task UnlinkAsync(string organization, Guid missionId, Guid runId, string telnyxAgentId, CancellationToken cancellationToken = default);
}
