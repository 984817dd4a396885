namespace Missions.Grpc.Storage;

/// <summary>A change to a step: each non-null field replaces the stored value.</summary>
public sealed record StepChange(string? Status = null, string? MetadataJson = null);
