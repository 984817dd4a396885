using System.Diagnostics;
using System.Net.Http.Headers;
using LiteDB;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;

internal static class Bench
{
    private const string SmallOrg = "org-small";
    private const string LargeOrg = "org-large";
    private const string SmallKey = "bench-key-small-0123456789";
    private const string LargeKey = "bench-key-large-0123456789";

    /// <summary>List-page latency for an organization with 1k missions and one with 200k, in one database.</summary>
    public static async Task ListPagesAsync(string path, int small, int large)
    {
        Console.WriteLine($"\n## List missions: page latency, {small:N0} vs {large:N0} missions (same file)");
        var seed = Stopwatch.StartNew();
        using (var store = Open(path))
        {
            await SeedAsync(store.Missions, SmallOrg, small);
            await SeedAsync(store.Missions, LargeOrg, large);
        }
        Console.WriteLine($"seeded {small + large:N0} missions in {seed.Elapsed.TotalSeconds:F1} s ({(small + large) / seed.Elapsed.TotalSeconds:N0}/s through the group-commit writer)");

        await using var app = BenchServer.Create("Bench", new Dictionary<string, string>
        {
            ["Storage:LiteDb:Path"] = path,
            ["Auth:ApiKeys:0:Key"] = SmallKey,
            ["Auth:ApiKeys:0:Organization"] = SmallOrg,
            ["Auth:ApiKeys:1:Key"] = LargeKey,
            ["Auth:ApiKeys:1:Organization"] = LargeOrg,
        });
        var smallClient = Client(app, SmallKey);
        var largeClient = Client(app, LargeKey);
        var storeInApp = app.Services.GetRequiredService<IMissionStore>();

        Console.WriteLine("| request | missions | p50 µs | p95 µs | mean µs | ratio (p50) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var anonymous = app.CreateClient();
        var floor = await MeasureAsync(() => anonymous.GetStringAsync("/healthz"), 1000);
        Row("REST floor: GET /healthz (pipeline, no storage)", 0, floor, null);
        foreach (var (label, query) in new[]
                 {
                     ("REST page 1, size 20", "?page[size]=20"),
                     ("REST page 1, size 1000", "?page[size]=1000"),
                     ("REST page 50, size 20 (offset 980)", "?page[number]=50&page[size]=20"),
                 })
        {
            var baseline = await MeasureAsync(() => smallClient.GetStringAsync("/v2/ai/missions" + query), query.Contains("1000") ? 100 : 500);
            var measured = await MeasureAsync(() => largeClient.GetStringAsync("/v2/ai/missions" + query), query.Contains("1000") ? 100 : 500);
            Row(label, small, baseline, null);
            Row(label, large, measured, baseline);
        }
        var storeBaseline = await MeasureAsync(() => storeInApp.ListMissionsAsync(SmallOrg, 0, 20), 2000);
        var storeLarge = await MeasureAsync(() => storeInApp.ListMissionsAsync(LargeOrg, 0, 20), 2000);
        Row("store seam page 1, size 20", small, storeBaseline, null);
        Row("store seam page 1, size 20", large, storeLarge, storeBaseline);
        var deepLarge = await MeasureAsync(() => storeInApp.ListMissionsAsync(LargeOrg, large / 2, 20), 50);
        Row($"store seam offset {large / 2:N0} (page {large / 40:N0})", large, deepLarge, storeLarge);
        Console.WriteLine("(the last row is relative to page 1 of the same organization: offset pages walk the index)");
    }

    /// <summary>
    /// Run lists at the store seam: every list shape (organization, mission, status, mission + status) for an
    /// organization with 1k runs and one with 100k, in one file; 1% of runs are running, the rest pending.
    /// Each list walks its own index, so page 1 should cost about the same at both sizes.
    /// </summary>
    public static async Task RunListsAsync(string path, int small, int large)
    {
        Console.WriteLine($"\n## List runs: page 1 (size 20) latency, {small:N0} vs {large:N0} runs (same file, 10 missions each, 1% running)");
        using var store = Open(path);
        var seed = Stopwatch.StartNew();
        var smallMission = await SeedRunsAsync(store, SmallOrg, small);
        var largeMission = await SeedRunsAsync(store, LargeOrg, large);
        Console.WriteLine($"seeded {small + large:N0} runs in {seed.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine("| list | runs in organization | p50 µs | p95 µs | mean µs | ratio (p50) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (label, filter) in new (string, Func<Guid, RunFilter>)[]
                 {
                     ("organization (GET /runs)", _ => new RunFilter()),
                     ("organization, status=running", _ => new RunFilter(Status: RunStatus.Running)),
                     ("one mission", m => new RunFilter(m)),
                     ("one mission, status=running", m => new RunFilter(m, RunStatus.Running)),
                 })
        {
            var baseline = await MeasureAsync(() => store.Runs.ListRunsAsync(SmallOrg, filter(smallMission), 0, 20), 2000);
            var measured = await MeasureAsync(() => store.Runs.ListRunsAsync(LargeOrg, filter(largeMission), 0, 20), 2000);
            Row(label, small, baseline, null);
            Row(label, large, measured, baseline);
        }
    }

    /// <summary>Seeds <paramref name="count"/> runs over 10 missions of <paramref name="org"/>; returns one of the missions.</summary>
    private static async Task<Guid> SeedRunsAsync(LiteDbBackend store, string org, int count)
    {
        var missions = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            missions.Add(Guid.Parse((await store.Missions.CreateMissionAsync(New(org, i))).Id));
        }
        const int window = 1024;
        for (var start = 0; start < count; start += window)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(window, count - start)).Select(async i =>
            {
                var mission = missions[i % missions.Count];
                var run = await store.Runs.CreateRunAsync(org, mission, new NewRun("""{"objective":"bench"}""", null));
                if (i % 100 == 0)
                {
                    await store.Runs.ChangeRunAsync(org, mission, Guid.Parse(run.Id), new RunChange(RunTransition.To(RunStatus.Running)));
                }
            }));
        }
        return missions[0];
    }

    /// <summary>Create throughput: the group-commit writer vs one LiteDB transaction per insert.</summary>
    public static async Task CreateThroughputAsync(string path, string baselinePath)
    {
        const int n = 20_000;
        Console.WriteLine($"\n## Create: {n:N0} missions");
        using (var db = new LiteDatabase(new ConnectionString { Filename = baselinePath, Connection = ConnectionType.Direct }))
        {
            var col = db.GetCollection("missions");
            col.EnsureIndex("OrgKey", "$.OrgKey", true);
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                var id = Guid.CreateVersion7().ToString();
                col.Insert(new BsonDocument { ["_id"] = id, ["OrgKey"] = "o\u0001" + id, ["Name"] = $"m{i}" });
            }
            Report("baseline: LiteDB insert, one commit each, 1 caller", n, sw.Elapsed, null);
        }
        using var store = Open(path);
        var sequential = Stopwatch.StartNew();
        for (var i = 0; i < n / 4; i++)
        {
            await store.Missions.CreateMissionAsync(New(LargeOrg, i));
        }
        var sequentialRate = Report("store: 1 caller (batches of 1)", n / 4, sequential.Elapsed, null);
        var concurrent = Stopwatch.StartNew();
        await Parallel.ForAsync(0, n, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) => await store.Missions.CreateMissionAsync(New(SmallOrg, i)));
        Report("store: 64 concurrent callers (group commit)", n, concurrent.Elapsed, sequentialRate);
    }

    private static LiteDbBackend Open(string path) => new LiteDbBackend(
        Options.Create(new StorageOptions { LiteDb = new LiteDbOptions { Path = path } }),
        NullLogger<LiteDbBackend>.Instance).Opened();

    private static NewMission New(string org, int i) => new(org, $"mission {i}", "bench", null, null, "external", """{"i":1}""");

    private static async Task SeedAsync(IMissionStore store, string org, int count)
    {
        const int window = 1024;
        for (var start = 0; start < count; start += window)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(window, count - start)).Select(i => store.CreateMissionAsync(New(org, i))));
        }
    }

    private static HttpClient Client(WebApplicationFactory<Program> app, string key)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<double[]> MeasureAsync(Func<Task> call, int iterations)
    {
        for (var i = 0; i < Math.Max(50, iterations / 5); i++)
        {
            await call(); // warm-up
        }
        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(samples);
        return samples;
    }

    private static void Row(string label, int missions, double[] samples, double[]? baseline)
    {
        var p50 = samples[samples.Length / 2];
        var p95 = samples[(int)(samples.Length * 0.95)];
        var ratio = baseline is null ? "baseline" : $"{p50 / baseline[baseline.Length / 2]:F2}×";
        Console.WriteLine($"| {label} | {missions:N0} | {p50:F0} | {p95:F0} | {samples.Average():F0} | {ratio} |");
    }

    private static double Report(string label, int count, TimeSpan elapsed, double? baselineRate)
    {
        var rate = count / elapsed.TotalSeconds;
        Console.WriteLine($"{label}: {rate:N0}/s{(baselineRate is { } b ? $"  ({rate / b:F1}× the 1-caller rate)" : "")}");
        return rate;
    }
}
