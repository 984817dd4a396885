using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// Mission statistics as the core computes them from a window's runs (docs/api.md → Mission statistics): counts in the
/// status order, the success rate, nearest-rank percentiles, the bucket width and its edge, aligned and empty buckets.
/// </summary>
public sealed class RunStatsRulesTests
{
    private static readonly DateTime T0 = new(2026, 3, 9, 10, 17, 42, 125, DateTimeKind.Utc);

    private static RunSample Run(string status, DateTime started, double? seconds = null) =>
        new(status, started, seconds is { } s ? started.AddSeconds(s) : null);

    [Fact]
    public void An_empty_window_has_no_times_rate_or_percentiles_hourly_width_and_no_buckets()
    {
        var stats = RunStatsRules.Compute("m", 0, []);

        Assert.Equal(("m", 0L, 0), (stats.MissionId, stats.TotalRuns, stats.WindowRuns));
        Assert.Null(stats.WindowStart);
        Assert.Null(stats.WindowEnd);
        Assert.Empty(stats.StatusCounts);
        Assert.Null(stats.SuccessRate);
        Assert.Null(stats.DurationP50Seconds);
        Assert.Null(stats.DurationP95Seconds);
        Assert.Equal(RunStatsBucketWidth.Hour, stats.Bucket);
        Assert.Empty(stats.Buckets);
    }

    [Fact]
    public void Counts_follow_the_status_order_and_list_only_statuses_present()
    {
        var stats = RunStatsRules.Compute("m", 9, [
            Run(RunStatus.Cancelled, T0, 1), Run(RunStatus.Pending, T0), Run(RunStatus.Succeeded, T0, 2),
            Run(RunStatus.Pending, T0), Run(RunStatus.Running, T0), Run(RunStatus.Succeeded, T0, 3),
        ]);

        Assert.Equal(
            [new(RunStatus.Pending, 2), new(RunStatus.Running, 1), new(RunStatus.Succeeded, 2), new RunStatsCount(RunStatus.Cancelled, 1)],
            stats.StatusCounts);
        Assert.Equal((9L, 6), (stats.TotalRuns, stats.WindowRuns));
    }

    [Fact]
    public void The_success_rate_counts_finished_runs_only_and_is_absent_without_any()
    {
        Assert.Null(RunStatsRules.SuccessRate([Run(RunStatus.Pending, T0), Run(RunStatus.Running, T0), Run(RunStatus.Paused, T0)]));
        Assert.Equal(0.5, RunStatsRules.SuccessRate([
            Run(RunStatus.Succeeded, T0, 1), Run(RunStatus.Failed, T0, 1), Run(RunStatus.Running, T0), Run(RunStatus.Pending, T0),
        ]));
        Assert.Equal(2.0 / 5, RunStatsRules.SuccessRate([
            Run(RunStatus.Succeeded, T0, 1), Run(RunStatus.Succeeded, T0, 1), Run(RunStatus.Failed, T0, 1),
            Run(RunStatus.Cancelled, T0, 1), Run(RunStatus.Cancelled, T0, 1),
        ]));
        Assert.Equal(0.0, RunStatsRules.SuccessRate([Run(RunStatus.Cancelled, T0, 1)]));
    }

    [Theory]
    [InlineData(new double[] { 7 }, 7, 7)]
    [InlineData(new double[] { 1, 2 }, 1, 2)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 2, 4)]
    [InlineData(new double[] { 1, 2, 3, 4, 5 }, 3, 5)]
    [InlineData(new double[] { 15, 20, 35, 40, 50 }, 35, 50)]
    public void Percentiles_are_nearest_rank(double[] sorted, double p50, double p95)
    {
        Assert.Equal(p50, RunStatsRules.NearestRank(sorted, 50));
        Assert.Equal(p95, RunStatsRules.NearestRank(sorted, 95));
    }

    [Fact]
    public void Percentiles_of_twenty_durations_take_ranks_ten_and_nineteen_and_none_is_absent()
    {
        var sorted = Enumerable.Range(1, 20).Select(i => (double)i).ToList();

        Assert.Equal(10, RunStatsRules.NearestRank(sorted, 50)); // ⌈0.50 · 20⌉ = 10
        Assert.Equal(19, RunStatsRules.NearestRank(sorted, 95)); // ⌈0.95 · 20⌉ = 19
        Assert.Null(RunStatsRules.NearestRank([], 50));
    }

    [Fact]
    public void Durations_are_those_of_finished_runs_in_any_order_of_the_window()
    {
        var stats = RunStatsRules.Compute("m", 5, [
            Run(RunStatus.Succeeded, T0, 40), Run(RunStatus.Running, T0.AddSeconds(1)), Run(RunStatus.Failed, T0, 10.5),
            Run(RunStatus.Cancelled, T0, 0.25), Run(RunStatus.Succeeded, T0, 20),
        ]);

        Assert.Equal(10.5, stats.DurationP50Seconds); // of 0.25, 10.5, 20, 40: rank 2
        Assert.Equal(40, stats.DurationP95Seconds);
        Assert.Equal(2.0 / 4, stats.SuccessRate);
    }

    [Fact]
    public void A_window_without_finished_runs_has_no_rate_and_no_percentiles()
    {
        var stats = RunStatsRules.Compute("m", 2, [Run(RunStatus.Running, T0), Run(RunStatus.Paused, T0)]);

        Assert.Null(stats.SuccessRate);
        Assert.Null(stats.DurationP50Seconds);
        Assert.Null(stats.DurationP95Seconds);
    }

    [Fact]
    public void Hourly_buckets_are_aligned_consecutive_include_empty_hours_and_count_by_start_time()
    {
        var stats = RunStatsRules.Compute("m", 4, [
            Run(RunStatus.Succeeded, T0.AddHours(3).AddMinutes(1), 5), // 13:18
            Run(RunStatus.Failed, T0, 5), // 10:17
            Run(RunStatus.Succeeded, T0.AddMinutes(40), 5), // 10:57
            Run(RunStatus.Pending, T0.AddMinutes(43)), // 11:00:42
        ]);

        Assert.Equal(RunStatsBucketWidth.Hour, stats.Bucket);
        Assert.Equal(T0, stats.WindowStart);
        Assert.Equal(T0.AddHours(3).AddMinutes(1), stats.WindowEnd);
        var hour = new DateTime(2026, 3, 9, 10, 0, 0, DateTimeKind.Utc);
        Assert.Equal([hour, hour.AddHours(1), hour.AddHours(2), hour.AddHours(3)], stats.Buckets.Select(b => b.Start));
        Assert.All(stats.Buckets, b => Assert.Equal(DateTimeKind.Utc, b.Start.Kind));
        Assert.Equal([new(RunStatus.Succeeded, 1), new RunStatsCount(RunStatus.Failed, 1)], stats.Buckets[0].StatusCounts);
        Assert.Equal([new RunStatsCount(RunStatus.Pending, 1)], stats.Buckets[1].StatusCounts);
        Assert.Empty(stats.Buckets[2].StatusCounts);
        Assert.Equal([new RunStatsCount(RunStatus.Succeeded, 1)], stats.Buckets[3].StatusCounts);
    }

    [Fact]
    public void One_run_makes_one_hourly_bucket()
    {
        var stats = RunStatsRules.Compute("m", 1, [Run(RunStatus.Pending, T0)]);

        Assert.Equal((T0, T0), (stats.WindowStart!.Value, stats.WindowEnd!.Value));
        Assert.Equal(RunStatsBucketWidth.Hour, stats.Bucket);
        Assert.Equal(new DateTime(2026, 3, 9, 10, 0, 0, DateTimeKind.Utc), Assert.Single(stats.Buckets).Start);
    }

    [Fact]
    public void The_width_is_hourly_up_to_48_aligned_hours_and_daily_beyond()
    {
        var hour = new DateTime(2026, 3, 9, 10, 0, 0, DateTimeKind.Utc);

        Assert.Equal(RunStatsBucketWidth.Hour, RunStatsRules.WidthFor(hour, hour.AddHours(47).AddMinutes(59))); // 48 hours touched
        Assert.Equal(RunStatsBucketWidth.Day, RunStatsRules.WidthFor(hour, hour.AddHours(48))); // 49
        Assert.Equal(RunStatsBucketWidth.Day, RunStatsRules.WidthFor(hour.AddMinutes(59), hour.AddHours(48).AddMinutes(1))); // span 47 h 2 min, 49 hours touched
        Assert.Equal(RunStatsBucketWidth.Hour, RunStatsRules.WidthFor(hour.AddMinutes(1), hour.AddHours(47).AddMinutes(59)));

        var atEdge = RunStatsRules.Compute("m", 2, [Run(RunStatus.Pending, hour), Run(RunStatus.Pending, hour.AddHours(47).AddMinutes(30))]);
        Assert.Equal(RunStatsRules.MaxHourlyBuckets, atEdge.Buckets.Count);
        Assert.Equal(1, atEdge.Buckets[^1].StatusCounts.Single().Count);
    }

    [Fact]
    public void Daily_buckets_start_at_utc_midnight_and_cover_every_day_of_the_window()
    {
        var stats = RunStatsRules.Compute("m", 3, [
            Run(RunStatus.Succeeded, new DateTime(2026, 3, 1, 23, 59, 59, 999, DateTimeKind.Utc), 60),
            Run(RunStatus.Failed, new DateTime(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc), 30),
            Run(RunStatus.Running, new DateTime(2026, 3, 5, 12, 0, 0, DateTimeKind.Utc)),
        ]);

        Assert.Equal(RunStatsBucketWidth.Day, stats.Bucket);
        var day = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => day.AddDays(i)), stats.Buckets.Select(b => b.Start));
        Assert.Equal([1, 1, 0, 0, 1], stats.Buckets.Select(b => b.StatusCounts.Sum(c => c.Count)));
        Assert.Equal(RunStatus.Failed, stats.Buckets[1].StatusCounts.Single().Status);
        Assert.Equal(30, stats.DurationP50Seconds); // nearest rank of 30, 60: rank 1, no interpolation
        Assert.Equal(60, stats.DurationP95Seconds);
    }

    [Fact]
    public void Daily_buckets_are_capped_at_the_windows_last_400_days_and_older_runs_count_in_the_totals_only()
    {
        var end = new DateTime(2026, 3, 9, 8, 0, 0, DateTimeKind.Utc);
        var stats = RunStatsRules.Compute("m", 3, [
            Run(RunStatus.Succeeded, end.AddDays(-1000), 1),
            Run(RunStatus.Failed, end.AddDays(-399), 1),
            Run(RunStatus.Pending, end),
        ]);

        Assert.Equal(RunStatsBucketWidth.Day, stats.Bucket);
        Assert.Equal(RunStatsRules.MaxDailyBuckets, stats.Buckets.Count);
        Assert.Equal(end.Date.AddDays(-399), stats.Buckets[0].Start);
        Assert.Equal(end.Date, stats.Buckets[^1].Start);
        Assert.Equal(2, stats.Buckets.Sum(b => b.StatusCounts.Sum(c => c.Count)));
        Assert.Equal(3, stats.StatusCounts.Sum(c => c.Count));
        Assert.Equal(end.AddDays(-1000), stats.WindowStart);
    }

    [Fact]
    public void A_finish_stamped_before_the_start_counts_as_no_time_not_negative()
    {
        var stats = RunStatsRules.Compute("m", 1, [new RunSample(RunStatus.Failed, T0, T0.AddMilliseconds(-3))]);

        Assert.Equal(0, stats.DurationP50Seconds);
    }
}
