namespace Missions.Grpc.Storage.Stores;

/// <summary>The reads of <see cref="IEventStore"/> (same contract).</summary>
internal interface IEventReads
{
    Task<Page<EventDocument>> ListRunEventsAsync(string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken);

    Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken);

    Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken);

    Task<IReadOnlyList<EventDocument>> EventsAfterAsync(string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken);
}
