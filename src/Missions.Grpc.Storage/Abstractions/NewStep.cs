namespace Missions.Grpc.Storage;

/// <summary>A step as the caller defines it; the store sets status <c>pending</c>.</summary>
public sealed record NewStep(string StepId, string Description, int Sequence, string? ParentStepId, string? MetadataJson);
