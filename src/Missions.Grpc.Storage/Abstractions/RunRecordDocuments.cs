namespace Missions.Grpc.Storage;

/// <summary>A step of a run's plan. Step ids are chosen by the caller and unique within the run.</summary>
public sealed record StepDocument
{
    public required string StepId { get; init; }
    public required string RunId { get; init; }
    public required int Sequence { get; init; }
    public required string Description { get; init; }

    /// <summary>The spec's StepStatus string (<see cref="StepStatus"/>).</summary>
    public required string Status { get; init; }

    public string? ParentStepId { get; init; }
    public string? MetadataJson { get; init; }

    /// <summary>Stamped once, when the step first moves to <c>in_progress</c>.</summary>
    public DateTime? StartedAt { get; init; }

    /// <summary>Stamped when the step moves to <c>completed</c>, <c>failed</c> or <c>skipped</c>.</summary>
    public DateTime? CompletedAt { get; init; }
}

/// <summary>A step as the caller defines it; the store sets status <c>pending</c>.</summary>
public sealed record NewStep(string StepId, string Description, int Sequence, string? ParentStepId, string? MetadataJson);

/// <summary>A change to a step: each non-null field replaces the stored value.</summary>
public sealed record StepChange(string? Status = null, string? MetadataJson = null);

/// <summary>The spec's StepStatus values and the stamping rules of docs/api.md → Plan.</summary>
public static class StepStatus
{
    public const string Pending = "pending";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Skipped = "skipped";
    public const string Failed = "failed";

    /// <summary>Statuses that end a step and stamp <c>completed_at</c>.</summary>
    public static bool IsDone(string status) => status is Completed or Skipped or Failed;
}

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

/// <summary>An event as the caller logs it; the store assigns id and timestamp.</summary>
public sealed record NewEvent(string Type, string Summary, string? StepId, string? AgentId, string? IdempotencyKey, string? PayloadJson);

/// <summary>What logging an event did: stored it, or found it already stored under the same idempotency key.</summary>
public sealed record LoggedEvent(EventDocument Event, bool Replayed);

/// <summary>Which events a run's list returns; null fields do not filter.</summary>
public sealed record EventFilter(string? Type = null, string? StepId = null, string? AgentId = null);

/// <summary>A Telnyx AI agent linked to a run.</summary>
public sealed record AgentLinkDocument(string RunId, string TelnyxAgentId, DateTime CreatedAt);

/// <summary>
/// Request values that name something that does not exist where they must (a <c>parent_step_id</c> naming
/// no step of the run). Found by the store inside the atomic write; reported like validation errors (422).
/// </summary>
public sealed class InvalidReferenceException(IReadOnlyList<InvalidReference> references)
    : Exception(string.Join("; ", references.Select(r => r.Message)))
{
    public IReadOnlyList<InvalidReference> References { get; } = references;
}

/// <summary>One invalid reference: the request field path (e.g. <c>steps, 2, parent_step_id</c>) and why.</summary>
public sealed record InvalidReference(IReadOnlyList<object> Path, string Message);
