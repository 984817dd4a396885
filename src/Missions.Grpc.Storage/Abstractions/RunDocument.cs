namespace Missions.Grpc.Storage;

/// <summary>
/// A stored run of a mission. Free-form objects are kept as canonical JSON text; times are UTC with
/// millisecond precision. Status values are the spec's RunStatus strings (<see cref="RunStatus"/>).
/// </summary>
public sealed record RunDocument
{
    /// <summary>UUIDv7 string, lowercase, assigned by the store; ordered by creation.</summary>
    public required string Id { get; init; }

    public required string Organization { get; init; }

    /// <summary>The mission the run belongs to (exactly one, for its whole life).</summary>
    public required string MissionId { get; init; }

    public required string Status { get; init; }

    /// <summary>Creation time: the spec requires it even while the run is still <c>pending</c>.</summary>
    public required DateTime StartedAt { get; init; }

    public required DateTime UpdatedAt { get; init; }

    /// <summary>Set once, when the run enters a terminal status.</summary>
    public DateTime? FinishedAt { get; init; }

    public string? InputJson { get; init; }
    public string? MetadataJson { get; init; }
    public string? ResultSummary { get; init; }
    public string? ResultPayloadJson { get; init; }
    public string? Error { get; init; }
}

/// <summary>What a caller supplies to start a run; the store assigns id, status and times.</summary>
public sealed record NewRun(string? InputJson, string? MetadataJson);

/// <summary>
/// One change to a run: an optional status transition, checked by <see cref="RunLifecycle"/> inside the
/// store's atomic write, and field changes (each non-null field replaces the stored value).
/// </summary>
public sealed record RunChange(
    RunTransition? Transition = null,
    string? ResultSummary = null,
    string? ResultPayloadJson = null,
    string? Error = null,
    string? MetadataJson = null)
{
    public static RunChange Cancel { get; } = new(RunTransition.Cancel);
    public static RunChange Pause { get; } = new(RunTransition.Pause);
    public static RunChange Resume { get; } = new(RunTransition.Resume);
}

/// <summary>Which runs a list returns: one mission's or the organization's, optionally one status.</summary>
public sealed record RunFilter(Guid? MissionId = null, string? Status = null);
