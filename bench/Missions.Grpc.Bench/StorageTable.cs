using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

/// <summary>
/// The storage table (bench/README.md → Storage table): the same operations on LiteDB (one process) and on PostgreSQL
/// with one replica, then two, on loopback, each row warmed up first. Two replicas share the load: each gets half the
/// connections (wrk and h2load run once per replica, at the same time) and the row adds their throughputs. Every
/// figure is checked: non-2xx answers, and for gRPC creates what storage holds afterwards.
/// </summary>
internal static partial class LoadTable
{
    private sealed record Setup(string Name, IReadOnlyList<ServerProcess> Replicas);

    public static async Task<int> RunStorageAsync(string work, TimeSpan duration, TimeSpan warmUp, int connections, int seed, string? resultsPath)
    {
        if (!OnPath("wrk") || !OnPath("h2load") || !PostgresCluster.Available)
        {
            Console.Error.WriteLine("wrk, h2load and PostgreSQL are needed: run bench/storage-table.sh, which installs them.");
            return 2;
        }
        Console.WriteLine($"\n## Storage table: {connections} connections, {warmUp.TotalSeconds:F0} s warm-up + {duration.TotalSeconds:F0} s per row, Release processes on loopback");
        var scripts = Directory.CreateDirectory(Path.Combine(work, "scripts")).FullName;
        using var cluster = PostgresCluster.CreatePrivate();
        var postgres = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres:ConnectionString"] = cluster.ConnectionString("bench"),
        };

        var columns = new List<(string Setup, List<Figure> Rows)>();
        var errors = new List<string>();
        async Task Measure(string name, Func<Task<IReadOnlyList<ServerProcess>>> start)
        {
            var replicas = await start();
            try
            {
                Console.WriteLine($"### {name}");
                columns.Add((name, await RowsAsync(new Setup(name, replicas), scripts, duration, warmUp, connections, seed)));
                errors.AddRange(replicas.SelectMany(r => r.ErrorLines()).Where(l => !l.Contains("ServerCallHandler[6]", StringComparison.Ordinal)));
            }
            finally
            {
                foreach (var replica in replicas)
                {
                    await replica.DisposeAsync();
                }
            }
        }
        await Measure("LiteDB, 1 process", async () => [await ServerProcess.StartAsync(Path.Combine(work, "storage.db"))]);
        await Measure("PostgreSQL, 1 replica", async () => [await ServerProcess.StartAsync("unused.db", settings: postgres)]);
        // The second PostgreSQL setup continues on the first one's data (a second replica joins a running deployment).
        await Measure("PostgreSQL, 2 replicas", async () =>
            [await ServerProcess.StartAsync("unused.db", settings: postgres), await ServerProcess.StartAsync("unused.db", settings: postgres)]);

        var report = new StringBuilder();
        report.AppendLine("| row | " + string.Join(" | ", columns.Select(c => $"{c.Setup} req/s (p99 ms)")) + " | PG 1 / LiteDB | PG 2 / PG 1 |");
        report.AppendLine("|---|" + string.Concat(columns.Select(_ => "---:|")) + "---:|---:|");
        for (var row = 0; row < columns[0].Rows.Count; row++)
        {
            var cells = columns.Select(c => c.Rows[row]).ToList();
            report.Append(Invariant, $"| {cells[0].Name} | ");
            report.Append(string.Join(" | ", cells.Select(f => string.Create(Invariant, $"{f.Rps:N0} ({f.P99Ms:F1})"))));
            report.AppendLine(Invariant, $" | {cells[1].Rps / cells[0].Rps:F2}× | {cells[2].Rps / cells[1].Rps:F2}× |");
        }
        var failures = columns.SelectMany(c => c.Rows.Where(r => r.Failures > 0).Select(r => $"{c.Setup}: {r.Name} ({r.Failures})")).ToList();
        report.AppendLine();
        report.AppendLine(Invariant, $"Failures (non-2xx, socket errors, acknowledged but not stored): {(failures.Count == 0 ? "none" : string.Join("; ", failures))}. Server error log lines: {errors.Count}.");
        Console.WriteLine();
        Console.WriteLine(report);
        foreach (var line in errors.Take(10))
        {
            Console.WriteLine($"  server error: {line}");
        }

        if (resultsPath is not null)
        {
            var header = $"""
                # Storage table

                Written by `bench/storage-table.sh` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, commit {Commit()}).
                The same operations on the embedded LiteDB backend and on PostgreSQL {PostgresVersion(cluster)} (a private cluster on this machine, `fsync` and
                `synchronous_commit` on), one replica then two. Load generator, replicas and database share the machine: with two cores, a second
                replica competes with the database for CPU rather than adding any, so the two-replica column shows that replicas work together
                correctly and what coordination costs, not how far they scale on separate machines.
                wrk `-t1 -c{connections}` (HTTP/1.1) and h2load `-c8 -m16` (gRPC over h2c), split evenly over the replicas, each row warmed up for
                {warmUp.TotalSeconds:F0} s, then measured for {duration.TotalSeconds:F0} s; req/s summed over replicas, p99 the worst replica's.


                """;
            await File.WriteAllTextAsync(resultsPath, header + report);
            Console.WriteLine($"written to {resultsPath}");
        }
        return failures.Count > 0 || errors.Count > 0 ? 1 : 0;
    }

    private static async Task<List<Figure>> RowsAsync(Setup setup, string scripts, TimeSpan duration, TimeSpan warmUp, int connections, int seed)
    {
        var replicas = setup.Replicas;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA);
        var createBody = """{"name":"Triage inbound calls","execution_mode":"external","metadata":{"team":"support"}}""";
        var createLua = Lua(scripts, "create.lua", "POST", createBody);
        var readLua = Lua(scripts, "read.lua", "GET", null);
        var eventLua = Lua(scripts, "event.lua", "POST", """{"type":"message","summary":"storage table","payload":{"n":1}}""");
        var grpcCreate = GrpcFile(scripts, "create.bin", new CreateMissionRequest
        {
            Name = "Triage inbound calls",
            ExecutionMode = Mission.Types.ExecutionMode.External,
            Metadata = Struct.Parser.ParseJson("""{"team":"support"}"""),
        });
        string GrpcCreateUrl(ServerProcess r) => $"{r.GrpcUrl}/missions.v1.MissionsService/CreateMission";

        var first = replicas[0];
        var have = await TotalMissionsAsync(http, first.RestUrl);
        if (have < seed)
        {
            await H2loadAsync("seed", GrpcCreateUrl(first), grpcCreate, TestKeys.KeyA, 8, count: (int)(seed - have), streams: 16);
        }
        var mission = (string)(await SendAsync(http, HttpMethod.Post, $"{first.RestUrl}/v2/ai/missions", createBody, HttpStatusCode.Created))!["data"]!["mission_id"]!;
        var runsPath = $"/v2/ai/missions/{mission}/runs";
        var runs = new List<string>();
        for (var i = 0; i < 256; i++)
        {
            var run = (string)(await SendAsync(http, HttpMethod.Post, first.RestUrl + runsPath, "{}", HttpStatusCode.Created))!["data"]!["run_id"]!;
            await SendAsync(http, HttpMethod.Patch, $"{first.RestUrl}{runsPath}/{run}", """{"status":"running"}""", HttpStatusCode.OK);
            runs.Add(run);
        }

        var rows = new List<Figure>();
        async Task Row(Func<TimeSpan, Task<Figure>> measure)
        {
            await measure(warmUp);
            var figure = await measure(duration);
            rows.Add(figure);
            Console.WriteLine($"  {figure.Name,-36} {figure.Rps,9:N0} req/s  p50 {figure.P50Ms,6:F2} ms  p99 {figure.P99Ms,6:F2} ms  failures {figure.Failures}");
        }
        // Each replica takes an equal share of the connections at the same time; its own URL (a load balancer's job).
        Task<Figure> Wrk(string name, Func<ServerProcess, int, string> url, Func<int, string> script, TimeSpan d) =>
            Combine(name, replicas.Select((r, i) => WrkAsync(name, url(r, i), script(i), connections / replicas.Count, d)));

        var total = await TotalMissionsAsync(http, first.RestUrl);
        await Row(d => Wrk("REST get mission by id", (r, _) => $"{r.RestUrl}/v2/ai/missions/{mission}", _ => readLua, d));
        await Row(d => Wrk($"REST list page of 20 ({total / 1000:N0}k missions)", (r, _) => $"{r.RestUrl}/v2/ai/missions?page%5Bsize%5D=20", _ => readLua, d));
        await Row(d => Wrk("REST create", (r, _) => $"{r.RestUrl}/v2/ai/missions", _ => createLua, d));
        await Row(async d =>
        {
            var start = await SettledTotalMissionsAsync(http, first.RestUrl);
            var figure = await Combine("gRPC create, 8×16", replicas.Select(r =>
                H2loadAsync("gRPC create", GrpcCreateUrl(r), grpcCreate, TestKeys.KeyA, 8 / replicas.Count, d, streams: 16)));
            var added = await SettledTotalMissionsAsync(http, first.RestUrl) - start;
            var lost = Math.Max(0, figure.Requests - added); // acknowledged but not stored
            var extra = Math.Max(0, added - figure.Requests - 8 * 16); // stored but never answered, beyond the calls in flight at the stop
            if (figure.Failures + lost + extra > 0)
            {
                Console.WriteLine($"    gRPC create: {figure.Requests} answered, {added} stored, h2load failures {figure.Failures}, not stored {lost}, unanswered beyond those in flight {extra}");
            }
            return figure with { Failures = figure.Failures + lost + extra };
        });
        // Events: one run per replica (a run's events are ordered under its row lock: one hot run is one queue).
        await Row(d => Wrk("REST log event", (r, i) => $"{r.RestUrl}{runsPath}/{runs[i]}/events", _ => eventLua, d));
        // Transitions: each replica moves its own share of the runs (callers working on different runs).
        var transitionLua = Enumerable.Range(0, replicas.Count)
            .Select(i => TransitionLua(scripts, mission, runs.Where((_, k) => k % replicas.Count == i).ToList(), $"transition-{i}.lua"))
            .ToList();
        await Row(d => Wrk("REST run transition (PATCH status)", (r, _) => $"{r.RestUrl}/", i => transitionLua[i], d));
        return rows;
    }

    /// <summary>One row from the replicas' simultaneous measurements: throughput and counts summed, p50 averaged, p99 the worst.</summary>
    private static async Task<Figure> Combine(string name, IEnumerable<Task<Figure>> parts)
    {
        var figures = await Task.WhenAll(parts);
        return new Figure(name, figures.Sum(f => f.Rps), figures.Average(f => f.P50Ms), figures.Max(f => f.P99Ms),
            figures.Sum(f => f.Requests), figures.Sum(f => f.Failures));
    }

    private static string PostgresVersion(PostgresCluster cluster)
    {
        using var connection = new Npgsql.NpgsqlConnection(cluster.ConnectionString("public"));
        connection.Open();
        return connection.PostgreSqlVersion.ToString(2);
    }
}
