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
