using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class EventStore(IEventReads reads, WritePipeline writes) : IEventStore
{
    public Task<LoggedEvent> LogEventAsync(string organization, Guid missionId, Guid runId, NewEvent newEvent, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        writes.ExecuteAsync(new LogEvent(organization, missionId, runId, newEvent), idempotency, cancellationToken);

    public Task<Page<EventDocument>> ListRunEventsAsync(
        string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        reads.ListRunEventsAsync(organization, missionId, runId, filter, offset, limit, cancellationToken);

    public Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken = default) =>
        reads.ListRecentEventsAsync(organization, type, offset, limit, cancellationToken);

    public Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken = default) =>
        reads.GetEventAsync(organization, missionId, runId, eventId, cancellationToken);

    public Task<IReadOnlyList<EventDocument>> EventsAfterAsync(
        string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken = default) =>
        reads.EventsAfterAsync(organization, missionId, runId, afterEventId, limit, cancellationToken);
}
