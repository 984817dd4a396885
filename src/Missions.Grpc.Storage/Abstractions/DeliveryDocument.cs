namespace Missions.Grpc.Storage;

/// <summary>
/// One event to one webhook endpoint (the outbox row, written in the transaction of the change that caused it), and how
/// sending it went. The event's subject (a run, an event or a step, as stored at the change) is kept with it, so that
/// every attempt sends the same body.
/// </summary>
public sealed record DeliveryDocument
{
    public required string Id { get; init; }

    public required string Organization { get; init; }

    public required string WebhookId { get; init; }

    /// <summary>The event's id: the same in each endpoint's delivery of it, and in every attempt.</summary>
    public required string EventId { get; init; }

    public required string EventType { get; init; }

    public required DateTime OccurredAt { get; init; }

    /// <summary>The run the event is about (null for <see cref="WebhookEventTypes.Test"/>).</summary>
    public string? RunId { get; init; }

    /// <summary>The run's change number the event took (0: the run's creation, or a test).</summary>
    public required long ChangeNumber { get; init; }

    /// <summary>What <see cref="SubjectJson"/> holds: <see cref="WebhookSubject"/>'s kinds.</summary>
    public required string SubjectKind { get; init; }

    /// <summary>The subject as stored at the change (<see cref="WebhookSubject"/>).</summary>
    public required string SubjectJson { get; init; }

    public required string Status { get; init; }

    /// <summary>Attempts made (claimed) so far.</summary>
    public required int Attempts { get; init; }

    /// <summary>The attempt count when the current schedule began (0, or the count at the last manual retry).</summary>
    public int ScheduleStart { get; init; }

    public int? LastStatusCode { get; init; }

    public string? LastError { get; init; }

    public string? LastResponseExcerpt { get; init; }

    /// <summary>When the next attempt is due (while pending; while an attempt is in flight, when its lease ends).</summary>
    public DateTime? NextAttemptAt { get; init; }

    public required DateTime CreatedAt { get; init; }

    public required DateTime UpdatedAt { get; init; }
}
