namespace Missions.Grpc.Storage;

/// <summary>How many runs of a set are in <paramref name="Status"/> (a <see cref="RunStatus"/> value).</summary>
public sealed record RunStatsCount(string Status, int Count);
