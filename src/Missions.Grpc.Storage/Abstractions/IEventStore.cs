namespace Missions.Grpc.Storage;

/// <summary>
/// The storage seam for a run's events (the audit trail) and the organization's event feed.
/// A write takes the request's <c>Idempotency-Key</c>, if it has one (<see cref="IdempotencyScope"/>): the key's record
/// commits in the write's own transaction.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Stores an event. With an idempotency key already used in the run: the same content replays the
    /// stored event (<see cref="LoggedEvent.Replayed"/>), other content is a <see cref="ConflictException"/>.
    /// Check and insert are one atomic command, so concurrent retries store one event.
    /// </summary>
    Task<LoggedEvent> LogEventAsync(string organization, Guid missionId, Guid runId, NewEvent newEvent, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

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
