namespace Missions.Grpc.Storage;

/// <summary>What a caller supplies to create a mission; the store assigns id and times.</summary>
public sealed record NewMission(
    string Organization,
    string Name,
    string? Description,
    string? Model,
    string? Instructions,
    string ExecutionMode,
    string? MetadataJson);
