using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class EventStore(StorageBackend backend) : IEventStore
{
    private IEventReads Reads => backend.Reads.Events;

    private WritePipeline Writes => backend.Pipeline;

    public Task<LoggedEvent> LogEventAsync(string organization, Guid missionId, Guid runId, NewEvent newEvent, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new LogEvent(organization, missionId, runId, newEvent), idempotency, cancellationToken);

    public Task<Page<EventDocument>> ListRunEventsAsync(
        string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        Reads.ListRunEventsAsync(organization, missionId, runId, filter, offset, limit, cancellationToken);

    public Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken = default) =>
        Reads.ListRecentEventsAsync(organization, type, offset, limit, cancellationToken);

    public Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken = default) =>
        Reads.GetEventAsync(organization, missionId, runId, eventId, cancellationToken);

    public Task<IReadOnlyList<EventDocument>> EventsAfterAsync(
        string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken = default) =>
        Reads.EventsAfterAsync(organization, missionId, runId, afterEventId, limit, cancellationToken);
}
