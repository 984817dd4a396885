namespace Missions.Grpc.Storage;

/// <summary>A partial update: each non-null field replaces the stored value; null leaves it.</summary>
public sealed record MissionChanges(
    string? Name = null,
    string? Description = null,
    string? Model = null,
    string? Instructions = null,
    string? ExecutionMode = null,
    string? MetadataJson = null);
