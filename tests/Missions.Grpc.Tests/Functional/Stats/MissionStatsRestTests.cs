using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Stats;

/// <summary>
/// Mission statistics as a REST caller sees them (<c>GET /v2/ai/missions/{mission_id}/stats</c>, beyond the spec): the
/// exact keys and JSON types, figures equal to what the caller computes from the runs the API lists, the window of the
/// newest runs, an empty mission, another organization's mission, and the window's bounds.
/// </summary>
public sealed class MissionStatsRestTests : AppTest
{
    private const string Missions = RestCalls.Missions;

    private HttpClient Client => field ??= App.Rest();

    private async Task<JsonNode> StatsAsync(string missionId, string query = "")
    {
        var (status, json, response) = await Client.SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/stats{query}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["data"], json.Keys());
        return json!["data"]!;
    }

    /// <summary>Starts a run and moves it along <paramref name="path"/> with PATCH.</summary>
    private async Task<string> RunAsync(string missionId, params string[] path)
    {
        var runId = (string)(await Client.StartRunAsync(missionId))["run_id"]!;
        foreach (var status in path)
        {
            var (code, _, _) = await Client.SendAsync(HttpMethod.Patch, $"{Missions}/{missionId}/runs/{runId}", $$"""{"status":"{{status}}"}""");
            Assert.Equal(HttpStatusCode.OK, code);
        }
        return runId;
    }

    private async Task<JsonArray> ListedRunsAsync(string missionId, int size)
    {
        var (_, json, _) = await Client.SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs?page[size]={size}");
        return json!["data"]!.AsArray();
    }

    private static DateTime Time(JsonNode? value) => DateTime.Parse((string)value!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static double NearestRank(List<double> sorted, int p) => sorted[(int)Math.Ceiling(p / 100.0 * sorted.Count) - 1];

    private static readonly string[] StatusOrder = ["pending", "running", "paused", "succeeded", "failed", "cancelled"];

    /// <summary>The status counts a caller computes from runs as listed: status order, statuses present only.</summary>
    private static string ExpectedCounts(IEnumerable<JsonNode?> runs)
    {
        var statuses = runs.Select(r => (string)r!["status"]!).ToList();
        return new JsonArray(StatusOrder.Where(statuses.Contains)
            .Select(s => (JsonNode)new JsonObject { ["status"] = s, ["count"] = statuses.Count(x => x == s) }).ToArray()).ToJsonString();
    }

    [Fact]
    public async Task Stats_of_runs_in_several_statuses_equal_what_the_listed_runs_say()
    {
        var missionId = await Client.NewMissionAsync("stats");
        await RunAsync(missionId, "running", "succeeded");
        await RunAsync(missionId, "running", "failed");
        await RunAsync(missionId, "running", "succeeded");
        await RunAsync(missionId, "cancelled");
        await RunAsync(missionId, "running");
        await RunAsync(missionId, "running", "paused");
        await RunAsync(missionId, "failed");
        await RunAsync(missionId);
        await RunAsync(missionId, "running", "succeeded");

        var stats = await StatsAsync(missionId);
        var runs = await ListedRunsAsync(missionId, 100);

        Assert.Equal(Json.Sorted("mission_id", "total_runs", "window_runs", "window_start", "window_end", "status_counts", "success_rate",
            "duration_p50_seconds", "duration_p95_seconds", "bucket", "buckets"), stats.Keys());
        Assert.Equal(missionId, (string?)stats["mission_id"]);
        foreach (var number in new[] { "total_runs", "window_runs", "success_rate", "duration_p50_seconds", "duration_p95_seconds" })
        {
            Assert.Equal(JsonValueKind.Number, stats[number]!.GetValueKind());
        }
        Assert.Equal(9, (long)stats["total_runs"]!);
        Assert.Equal(9, (int)stats["window_runs"]!);
        Assert.Equal(ExpectedCounts(runs), stats["status_counts"]!.ToJsonString());
        Assert.Equal("""[{"status":"pending","count":1},{"status":"running","count":1},{"status":"paused","count":1},{"status":"succeeded","count":3},{"status":"failed","count":2},{"status":"cancelled","count":1}]""",
            stats["status_counts"]!.ToJsonString());
        Assert.Equal(3.0 / 6, (double)stats["success_rate"]!);

        var durations = runs.Where(r => r!["finished_at"] is not null)
            .Select(r => (Time(r!["finished_at"]) - Time(r["started_at"])).TotalSeconds).Order().ToList();
        Assert.Equal(6, durations.Count);
        Assert.Equal(NearestRank(durations, 50), (double)stats["duration_p50_seconds"]!, 9);
        Assert.Equal(NearestRank(durations, 95), (double)stats["duration_p95_seconds"]!, 9);

        var started = runs.Select(r => Time(r!["started_at"])).ToList();
        Assert.Equal(started.Min(), Time(stats["window_start"]));
        Assert.Equal(started.Max(), Time(stats["window_end"]));
        Assert.Equal("hour", (string?)stats["bucket"]);
        var buckets = stats["buckets"]!.AsArray();
        var firstHour = started.Min().AddTicks(-(started.Min().Ticks % TimeSpan.TicksPerHour));
        Assert.Equal(
            Enumerable.Range(0, buckets.Count).Select(i => firstHour.AddHours(i)),
            buckets.Select(b => Time(b!["start"])));
        Assert.All(buckets, b => Assert.Equal(Json.Sorted("start", "status_counts"), b.Keys()));
        Assert.Equal(9, buckets.Sum(b => b!["status_counts"]!.AsArray().Sum(c => (int)c!["count"]!)));
    }

    [Fact]
    public async Task A_window_smaller_than_the_runs_covers_the_newest_runs_only_as_the_list_orders_them()
    {
        var missionId = await Client.NewMissionAsync("stats");
        await RunAsync(missionId, "running", "succeeded"); // oldest: outside a window of 3
        await RunAsync(missionId, "running", "succeeded");
        await RunAsync(missionId, "cancelled");
        await RunAsync(missionId, "running");
        await RunAsync(missionId, "failed");

        var stats = await StatsAsync(missionId, "?window=3");
        var newest = await ListedRunsAsync(missionId, 3);

        Assert.Equal(5, (long)stats["total_runs"]!);
        Assert.Equal(3, (int)stats["window_runs"]!);
        Assert.Equal("""[{"status":"running","count":1},{"status":"failed","count":1},{"status":"cancelled","count":1}]""", stats["status_counts"]!.ToJsonString());
        Assert.Equal(ExpectedCounts(newest), stats["status_counts"]!.ToJsonString());
        Assert.Equal(0.0, (double)stats["success_rate"]!);
        Assert.Equal(newest.Select(r => Time(r!["started_at"])).Min(), Time(stats["window_start"]));
        Assert.Equal(newest.Select(r => Time(r!["started_at"])).Max(), Time(stats["window_end"]));

        var all = await StatsAsync(missionId, "?window=1000");
        Assert.Equal(5, (int)all["window_runs"]!);
        Assert.Equal(2.0 / 4, (double)all["success_rate"]!);
        Assert.Equal((string?)(await StatsAsync(missionId))["status_counts"]!.ToJsonString(), all["status_counts"]!.ToJsonString()); // default 200
    }

    [Fact]
    public async Task A_mission_without_runs_answers_zeros_empty_lists_hourly_and_no_rate_or_percentiles()
    {
        var missionId = await Client.NewMissionAsync("stats");

        var (status, json, _) = await Client.SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/stats");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            $$$"""{"data":{"mission_id":"{{{missionId}}}","total_runs":0,"window_runs":0,"status_counts":[],"bucket":"hour","buckets":[]}}""",
            json!.ToJsonString());
    }

    [Fact]
    public async Task Pending_and_running_runs_only_have_counts_and_buckets_but_no_rate_or_percentiles()
    {
        var missionId = await Client.NewMissionAsync("stats");
        await RunAsync(missionId);
        await RunAsync(missionId, "running");

        var stats = await StatsAsync(missionId);

        Assert.Equal(Json.Sorted("mission_id", "total_runs", "window_runs", "window_start", "window_end", "status_counts", "bucket", "buckets"), stats.Keys());
        Assert.Equal("""[{"status":"pending","count":1},{"status":"running","count":1}]""", stats["status_counts"]!.ToJsonString());
    }

    [Fact]
    public async Task Another_organizations_mission_an_unknown_one_and_a_malformed_id_answer_as_get_mission_does()
    {
        var missionId = await Client.NewMissionAsync("stats");
        await RunAsync(missionId, "running", "succeeded");

        var (other, otherJson, _) = await App.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/stats");
        var (unknown, unknownJson, _) = await Client.SendAsync(HttpMethod.Get, $"{Missions}/{Guid.CreateVersion7()}/stats");
        var (malformed, malformedJson, _) = await Client.SendAsync(HttpMethod.Get, $"{Missions}/nope/stats");

        Assert.Equal(HttpStatusCode.NotFound, other);
        Assert.Equal("""{"detail":"Mission not found"}""", otherJson!.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal("""{"detail":"Mission not found"}""", unknownJson!.ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformed);
        Assert.Equal("uuid_parsing", (string?)malformedJson.SingleDetail()["type"]);
        Assert.Equal(["path", "mission_id"], malformedJson.SingleDetail().Loc());
    }

    [Theory]
    [InlineData("0", "greater_than", "Input should be greater than 0")]
    [InlineData("-1", "greater_than", "Input should be greater than 0")]
    [InlineData("1001", "less_than_equal", "Input should be less than or equal to 1000")]
    [InlineData("abc", "int_parsing", "Input should be a valid integer, unable to parse string as an integer")]
    public async Task A_window_outside_1_to_1000_is_422_at_the_query_window(string window, string type, string message)
    {
        var missionId = await Client.NewMissionAsync("stats");

        var (status, json, _) = await Client.SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/stats?window={window}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(["query", "window"], error.Loc());
        Assert.Equal(message, (string?)error["msg"]);
        Assert.Equal(window, (string?)error["input"]);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1000")]
    public async Task The_window_bounds_themselves_are_accepted(string window)
    {
        var missionId = await Client.NewMissionAsync("stats");
        await RunAsync(missionId, "cancelled");
        await RunAsync(missionId);

        var stats = await StatsAsync(missionId, $"?window={window}");

        Assert.Equal(window == "1" ? 1 : 2, (int)stats["window_runs"]!);
    }
}
