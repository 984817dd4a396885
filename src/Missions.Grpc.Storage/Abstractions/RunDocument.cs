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
