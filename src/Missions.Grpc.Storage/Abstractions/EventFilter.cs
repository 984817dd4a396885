namespace Missions.Grpc.Storage;

/// <summary>Which events a run's list returns; null fields do not filter.</summary>
public sealed record EventFilter(string? Type = null, string? StepId = null, string? AgentId = null);
