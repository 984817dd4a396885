namespace Missions.Grpc.Storage;

/// <summary>A health answer with the operator's explanation (never tenant data).</summary>
public sealed record StorageHealthReport(StorageHealthStatus Status, string Description);
