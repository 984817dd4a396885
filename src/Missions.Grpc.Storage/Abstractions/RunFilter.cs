namespace Missions.Grpc.Storage;

/// <summary>Which runs a list returns: one mission's or the organization's, optionally one status.</summary>
public sealed record RunFilter(Guid? MissionId = null, string? Status = null);
