namespace Missions.Grpc.Storage;

/// <summary>An entry of a run's audit trail.</summary>
public sealed record EventDocument
{
    public required string Id { get; init; }
    public required string RunId { get; init; }

    /// <summary>
    /// The event's position in its run, in commit order (1, 2, …): how watchers order and de-duplicate what they are
    /// sent. Ids are UUIDv7 made by whichever server stored the event, so across servers id order is not commit order.
    /// 0 for events an embedded database stored before positions were kept (their ids are in commit order).
    /// </summary>
    public long Sequence { get; init; }

    /// <summary>The spec's EventType string.</summary>
    public required string Type { get; init; }

    public required string Summary { get; init; }
    public required DateTime Timestamp { get; init; }
    public string? StepId { get; init; }
    public string? AgentId { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? PayloadJson { get; init; }
}
