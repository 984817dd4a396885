namespace Missions.Grpc.Storage.Core;

/// <summary>
/// Mission statistics from the window's runs (docs/api.md → Mission statistics): counts per status, the success rate,
/// nearest-rank duration percentiles and time buckets. Backend-free: a backend reads the window (the mission's newest
/// runs, only their status and times) and the mission's run total; everything else is decided here.
/// </summary>
internal static class RunStatsRules
{
    /// <summary>Hourly buckets at most; a window that needs more is bucketed by day.</summary>
    public const int MaxHourlyBuckets = 48;

    /// <summary>Daily buckets at most: the window's last days; runs older than the first are in no bucket.</summary>
    public const int MaxDailyBuckets = 400;

    public static RunStats Compute(string missionId, long totalRuns, IReadOnlyList<RunSample> window)
    {
        if (window.Count == 0)
        {
            return new RunStats
            {
                MissionId = missionId,
                TotalRuns = totalRuns,
                WindowRuns = 0,
                StatusCounts = [],
                Bucket = RunStatsBucketWidth.Hour,
                Buckets = [],
            };
        }
        var start = window.Min(r => r.StartedAt);
        var end = window.Max(r => r.StartedAt);
        var durations = window
            .Where(r => r.FinishedAt is not null)
            // A finish stamped by another replica's clock could precede the start by that clock's skew: no negative durations.
            .Select(r => Math.Max(0, (r.FinishedAt!.Value - r.StartedAt).TotalSeconds))
            .Order()
            .ToList();
        var (width, buckets) = Buckets(window, start, end);
        return new RunStats
        {
            MissionId = missionId,
            TotalRuns = totalRuns,
            WindowRuns = window.Count,
            WindowStart = start,
            WindowEnd = end,
            StatusCounts = CountByStatus(window),
            SuccessRate = SuccessRate(window),
            DurationP50Seconds = NearestRank(durations, 50),
            DurationP95Seconds = NearestRank(durations, 95),
            Bucket = width,
            Buckets = buckets,
        };
    }

    /// <summary>succeeded / (succeeded + failed + cancelled); null when none of them.</summary>
    public static double? SuccessRate(IEnumerable<RunSample> runs)
    {
        var (succeeded, finished) = (0, 0);
        foreach (var run in runs)
        {
            if (RunStatus.IsTerminal(run.Status))
            {
                finished++;
                succeeded += run.Status == RunStatus.Succeeded ? 1 : 0;
            }
        }
        return finished == 0 ? null : (double)succeeded / finished;
    }

    /// <summary>The nearest-rank <paramref name="percentile"/> of <paramref name="sorted"/> (ascending): the value at rank ⌈p/100 · n⌉; null when empty.</summary>
    public static double? NearestRank(IReadOnlyList<double> sorted, int percentile)
    {
        if (sorted.Count == 0)
        {
            return null;
        }
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary>
    /// The bucket width for a window from <paramref name="start"/> to <paramref name="end"/>: hourly when the aligned hours it
    /// touches are at most <see cref="MaxHourlyBuckets"/> (its span is then under 48 h), else daily.
    /// </summary>
    public static RunStatsBucketWidth WidthFor(DateTime start, DateTime end) =>
        (FloorHour(end) - FloorHour(start)).Ticks / TimeSpan.TicksPerHour + 1 <= MaxHourlyBuckets ? RunStatsBucketWidth.Hour : RunStatsBucketWidth.Day;

    /// <summary>Where the bucket holding <paramref name="time"/> begins.</summary>
    public static DateTime Align(DateTime time, RunStatsBucketWidth width) =>
        width == RunStatsBucketWidth.Hour ? FloorHour(time) : new DateTime(time.Year, time.Month, time.Day, 0, 0, 0, DateTimeKind.Utc);

    private static (RunStatsBucketWidth, List<RunStatsBucket>) Buckets(IReadOnlyList<RunSample> window, DateTime start, DateTime end)
    {
        var width = WidthFor(start, end);
        var step = width == RunStatsBucketWidth.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var last = Align(end, width);
        var count = (int)((last - Align(start, width)).Ticks / step.Ticks) + 1;
        count = Math.Min(count, width == RunStatsBucketWidth.Hour ? MaxHourlyBuckets : MaxDailyBuckets);
        var first = last - step * (count - 1);
        var runs = new List<RunSample>[count];
        for (var i = 0; i < count; i++)
        {
            runs[i] = [];
        }
        foreach (var run in window)
        {
            var index = (Align(run.StartedAt, width) - first).Ticks / step.Ticks;
            if (index >= 0 && index < count)
            {
                runs[index].Add(run);
            }
        }
        return (width, runs.Select((inBucket, i) => new RunStatsBucket(first + step * i, CountByStatus(inBucket))).ToList());
    }

    private static List<RunStatsCount> CountByStatus(IReadOnlyCollection<RunSample> runs) =>
        RunStatus.All
            .Select(status => new RunStatsCount(status, runs.Count(r => r.Status == status)))
            .Where(c => c.Count > 0)
            .ToList();

    private static DateTime FloorHour(DateTime time) =>
        new(time.Ticks - time.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
}
