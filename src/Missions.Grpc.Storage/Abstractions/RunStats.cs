namespace Missions.Grpc.Storage;

/// <summary>
/// Outcomes and durations of a mission's most recent runs (<see cref="IRunStore.GetRunStatsAsync"/>), computed by
/// <c>Core/RunStatsRules</c> from the window's runs. Times are UTC.
/// </summary>
public sealed record RunStats
{
    public required string MissionId { get; init; }

    /// <summary>Every run the mission keeps (its per-mission run counter).</summary>
    public required long TotalRuns { get; init; }

    /// <summary>Runs in the window (at most the window asked for).</summary>
    public required int WindowRuns { get; init; }

    /// <summary>The earliest <c>started_at</c> in the window; null when it is empty.</summary>
    public DateTime? WindowStart { get; init; }

    /// <summary>The latest <c>started_at</c> in the window; null when it is empty.</summary>
    public DateTime? WindowEnd { get; init; }

    /// <summary>The window's runs per status, in <see cref="RunStatus.All"/>'s order, statuses present only.</summary>
    public required IReadOnlyList<RunStatsCount> StatusCounts { get; init; }

    /// <summary>succeeded / (succeeded + failed + cancelled); null when no run of the window is finished.</summary>
    public double? SuccessRate { get; init; }

    /// <summary>Nearest-rank median of the finished runs' durations, in seconds; null when none is finished.</summary>
    public double? DurationP50Seconds { get; init; }

    /// <summary>Nearest-rank 95th percentile of the finished runs' durations, in seconds; null when none is finished.</summary>
    public double? DurationP95Seconds { get; init; }

    public required RunStatsBucketWidth Bucket { get; init; }

    /// <summary>Consecutive buckets from the window's first to its last, oldest first, empty ones included.</summary>
    public required IReadOnlyList<RunStatsBucket> Buckets { get; init; }
}
