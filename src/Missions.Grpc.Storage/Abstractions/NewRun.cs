namespace Missions.Grpc.Storage;

/// <summary>What a caller supplies to start a run; the store assigns id, status and times.</summary>
public sealed record NewRun(string? InputJson, string? MetadataJson);
