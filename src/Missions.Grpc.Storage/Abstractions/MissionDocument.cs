namespace Missions.Grpc.Storage;

/// <summary>
/// A stored mission. Storage documents are independent of the proto messages; the server maps
/// between the two. Times are UTC with millisecond precision (what every backend keeps losslessly).
/// </summary>
public sealed record MissionDocument
{
    /// <summary>UUIDv7 string, lowercase, assigned by the store; ordered by creation.</summary>
    public required string Id { get; init; }

    /// <summary>Owning organization; part of every key and every query.</summary>
    public required string Organization { get; init; }

    public required string Name { get; init; }
    public string? Description { get; init; }
    public string? Model { get; init; }
    public string? Instructions { get; init; }

    /// <summary>The spec's ExecutionMode string: <c>external</c> or <c>managed</c>.</summary>
    public required string ExecutionMode { get; init; }

    /// <summary>The caller's metadata object as canonical JSON text, or null when never set.</summary>
    public string? MetadataJson { get; init; }

    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
}
