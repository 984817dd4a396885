namespace Missions.Grpc.Storage;

/// <summary>An event as the caller logs it; the store assigns id and timestamp.</summary>
public sealed record NewEvent(string Type, string Summary, string? StepId, string? AgentId, string? IdempotencyKey, string? PayloadJson);
