namespace Missions.Grpc.Storage;

/// <summary>The runs of a <see cref="RunStats"/> window that started in the bucket beginning at <paramref name="Start"/> (UTC, aligned), per status.</summary>
public sealed record RunStatsBucket(DateTime Start, IReadOnlyList<RunStatsCount> StatusCounts);
