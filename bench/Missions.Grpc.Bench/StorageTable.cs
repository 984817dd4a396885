using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

/// <summary>
/// The storage table (bench/README.md → Storage table): PostgreSQL's own ceilings (pgbench), a hand-written Minimal API +
/// Npgsql peer and the service, side by side on one private cluster, with one replica and with two; and the service on
/// LiteDB for reference. Every row is warmed up first; CPU per request is read from /proc for the measured processes
/// (the service's or the peer's, and every PostgreSQL process). Two replicas (or two peer processes) share the load: each
/// gets half the connections at the same time and the row adds their throughputs. Every figure is checked: non-2xx
/// answers, and for gRPC creates what storage holds afterwards.
/// </summary>
internal static partial class LoadTable
{
    private const string Schema = "bench";

    private sealed record Setup(string Name, IReadOnlyList<ServerProcess> Replicas, IReadOnlyList<ServerProcess> Peers, int? Postmaster, string? ConnectionString);

    private sealed record Column(string Setup, List<Figure> Rows);

    /// <param name="server">Another build of the service to measure (its <c>Missions.Grpc.dll</c>), e.g. an earlier commit's; this tree's when null.</param>
    public static async Task<int> RunStorageAsync(string work, TimeSpan duration, TimeSpan warmUp, int connections, int seed, string? resultsPath, string? server = null)
    {
        if (!OnPath("wrk") || !OnPath("h2load") || !PostgresCluster.Available)
        {
            Console.Error.WriteLine("wrk, h2load and PostgreSQL are needed: run bench/storage-table.sh, which installs them.");
            return 2;
        }
        Console.WriteLine($"\n## Storage table: {connections} connections, {warmUp.TotalSeconds:F0} s warm-up + {duration.TotalSeconds:F0} s per row, Release processes on loopback");
        var scripts = Directory.CreateDirectory(Path.Combine(work, "scripts")).FullName;
        var peerDll = Path.Combine(ServerProcess.RepoRoot, "bench", "Missions.Grpc.Peer", "bin", "Release", "net10.0", "Missions.Grpc.Peer.dll");
        using var cluster = PostgresCluster.CreatePrivate();
        var postgres = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres:ConnectionString"] = cluster.ConnectionString(Schema),
        };
        var peerSettings = new Dictionary<string, string>
        {
            ["Peer:Postgres"] = cluster.ConnectionString(Schema),
            ["Peer:Organization"] = TestKeys.OrgA,
            ["Kestrel:Endpoints:Rest:Protocols"] = "Http1",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        };

        Console.WriteLine("### PostgreSQL's own ceilings (pgbench)");
        var ceilings = await PgbenchAsync(cluster, scripts, connections, warmUp, duration);

        var columns = new List<Column>();
        var errors = new List<string>();
        async Task Measure(string name, Func<Task<(IReadOnlyList<ServerProcess> Replicas, IReadOnlyList<ServerProcess> Peers)>> start, bool onPostgres)
        {
            var (replicas, peers) = await start();
            try
            {
                Console.WriteLine($"### {name}");
                var setup = new Setup(name, replicas, peers, onPostgres ? cluster.PostmasterPid : null, onPostgres ? cluster.ConnectionString(Schema) : null);
                columns.Add(new Column(name, await RowsAsync(setup, scripts, duration, warmUp, connections, seed)));
                errors.AddRange(replicas.SelectMany(r => r.ErrorLines()).Where(l => !l.Contains("ServerCallHandler[6]", StringComparison.Ordinal)));
            }
            finally
            {
                foreach (var process in replicas.Concat(peers))
                {
                    await process.DisposeAsync();
                }
            }
        }
        Task<ServerProcess> Peer() => ServerProcess.StartAsync(Path.Combine(work, "unused.db"), serverDll: peerDll, settings: peerSettings);
        // The first PostgreSQL setup creates the schema (the service's migrations) before its peer starts on it.
        await Measure("PostgreSQL, 1 replica", async () =>
        {
            var service = await ServerProcess.StartAsync("unused.db", settings: postgres, serverDll: server);
            return ([service], [await Peer()]);
        }, onPostgres: true);
        // The second continues on the first one's data (a second replica joins a running deployment).
        await Measure("PostgreSQL, 2 replicas", async () =>
            ([await ServerProcess.StartAsync("unused.db", settings: postgres, serverDll: server), await ServerProcess.StartAsync("unused.db", settings: postgres, serverDll: server)],
             [await Peer(), await Peer()]), onPostgres: true);
        await Measure("LiteDB, 1 process", async () => ([await ServerProcess.StartAsync(Path.Combine(work, "storage.db"), serverDll: server)], []), onPostgres: false);

        var report = Report(ceilings, columns, out var targets);
        var failures = columns.SelectMany(c => c.Rows.Where(r => r.Failures > 0).Select(r => $"{c.Setup}: {r.Name} ({r.Failures})")).ToList();
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

                Written by `bench/storage-table.sh` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(server is null ? $"commit {Commit()}" : $"the service built at {server}")}).
                PostgreSQL {PostgresVersion(cluster)} in a private cluster on this machine (`fsync` and `synchronous_commit` on): its own ceilings
                (pgbench), a hand-written peer (`bench/Missions.Grpc.Peer`: a Minimal API, one pooled auto-prepared Npgsql statement per request,
                autocommit) and the service, with one replica and with two on the same database; the service on LiteDB for reference.
                Load generator, processes and database share the machine's cores: on two cores a second replica competes with the database
                for CPU rather than adding any, so the two-replica columns show what coordination costs, not how far replicas scale.
                wrk `-t1 -c{connections}` (HTTP/1.1), h2load `-c8 -m16` (gRPC over h2c) and pgbench `-c{connections} -j2 -M prepared`, each row
                warmed up for {warmUp.TotalSeconds:F0} s, then measured for {duration.TotalSeconds:F0} s; two processes split the connections and
                run at the same time (req/s summed, p99 the worst). CPU per request: CPU time from /proc during the measurement, divided
                by the requests answered — the service's (or peer's) processes + PostgreSQL's processes.


                """;
            await File.WriteAllTextAsync(resultsPath, header + report);
            Console.WriteLine($"written to {resultsPath}");
        }
        return failures.Count > 0 || errors.Count > 0 ? 1 : 0;
    }

    private static StringBuilder Report(IReadOnlyList<Figure> ceilings, List<Column> columns, out List<(string Target, string Figure, bool Met)> targets)
    {
        var (one, two, lite) = (columns[0], columns[1], columns[2]);
        string Cell(Figure f) => string.Create(Invariant, $"{f.Rps:N0} | {f.P99Ms:F1} | {Cpu(f)}");
        var report = new StringBuilder();
        report.AppendLine("| row | 1 replica req/s | p99 ms | CPU µs/req (app + postgres) | 2 replicas req/s | p99 ms | CPU µs/req | 2 / 1 |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in ceilings)
        {
            report.AppendLine(Invariant, $"| {c.Name} | {c.Rps:N0} | {c.P99Ms:F1} | — | | | | |");
        }
        for (var row = 0; row < one.Rows.Count; row++)
        {
            var (a, b) = (one.Rows[row], two.Rows[row]);
            report.AppendLine(Invariant, $"| {a.Name} | {Cell(a)} | {Cell(b)} | {b.Rps / a.Rps:F2}× |");
        }
        Figure Row(Column c, string prefix) => c.Rows.First(r => r.Name.StartsWith(prefix, StringComparison.Ordinal));
        var (peerGet, peerCreate) = (Row(one, "peer: GET"), Row(one, "peer: create"));
        var (get, list, create) = (Row(one, "REST get"), Row(one, "REST list"), Row(one, "REST create"));
        var (logEvent, transition) = (Row(one, "REST log event"), Row(one, "REST run transition"));
        targets =
        [
            ("REST GET mission by id ≥ 1.0× the peer's GET", $"{get.Rps / peerGet.Rps:F2}×", get.Rps >= peerGet.Rps),
            ("… CPU per request ≤ the peer's", $"{get.CpuTotal:F0} vs {peerGet.CpuTotal:F0} µs", get.CpuTotal <= peerGet.CpuTotal),
            ("REST create ≥ 2× the peer's create", $"{create.Rps / peerCreate.Rps:F2}×", create.Rps >= 2 * peerCreate.Rps),
            ("… CPU per request ≤ 0.6× the peer's", $"{create.CpuTotal / peerCreate.CpuTotal:F2}×", create.CpuTotal <= 0.6 * peerCreate.CpuTotal),
            ("REST log event ≥ 1.5× the peer's create", $"{logEvent.Rps / peerCreate.Rps:F2}×", logEvent.Rps >= 1.5 * peerCreate.Rps),
            ("REST run transition ≥ 1.5× the peer's create", $"{transition.Rps / peerCreate.Rps:F2}×", transition.Rps >= 1.5 * peerCreate.Rps),
            ("REST list page of 20 ≥ 0.5× the service's own GET", $"{list.Rps / get.Rps:F2}×", list.Rps >= 0.5 * get.Rps),
        ];
        foreach (var column in new[] { one, two })
        {
            var worst = column.Rows.Where(r => !r.Name.StartsWith("peer", StringComparison.Ordinal)).MaxBy(r => r.P99Ms)!;
            targets.Add(($"p99 ≤ 15 ms, every service row ({column.Setup})", $"{worst.P99Ms:F1} ms ({worst.Name})", worst.P99Ms <= 15));
        }
        var ratios = one.Rows.Zip(two.Rows).Where(p => !p.First.Name.StartsWith("peer", StringComparison.Ordinal)).Select(p => (p.First.Name, Ratio: p.Second.Rps / p.First.Rps)).ToList();
        var lowest = ratios.MinBy(r => r.Ratio);
        targets.Add(("two replicas ≥ 0.85× one replica, every service row", $"{lowest.Ratio:F2}× lowest ({lowest.Name})", lowest.Ratio >= 0.85));

        report.AppendLine();
        report.AppendLine("| target (issue 24) | figure | met |");
        report.AppendLine("|---|---:|---|");
        foreach (var (target, figure, met) in targets)
        {
            report.AppendLine($"| {target} | {figure} | {(met ? "yes" : "**no**")} |");
        }
        report.AppendLine();
        report.AppendLine("The service on LiteDB, same rows, same run (the embedded default, for reference):");
        report.AppendLine();
        report.AppendLine("| row | LiteDB req/s | p99 ms | CPU µs/req | PostgreSQL 1 replica / LiteDB |");
        report.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var l in lite.Rows)
        {
            var p = one.Rows.First(r => r.Name.Split(" (")[0] == l.Name.Split(" (")[0]);
            report.AppendLine(Invariant, $"| {l.Name} | {l.Rps:N0} | {l.P99Ms:F1} | {l.CpuApp:F0} | {p.Rps / l.Rps:F2}× |");
        }
        report.AppendLine();
        return report;
    }

    private static string Cpu(Figure f) => double.IsNaN(f.CpuApp) ? "—"
        : double.IsNaN(f.CpuDb) ? string.Create(Invariant, $"{f.CpuApp:F0}")
        : string.Create(Invariant, $"{f.CpuApp:F0} + {f.CpuDb:F0} = {f.CpuTotal:F0}");

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

        // Each process takes an equal share of the connections at the same time; its own URL (a load balancer's job).
        Task<Figure> Wrk(IReadOnlyList<ServerProcess> processes, string name, Func<ServerProcess, int, string> url, Func<int, string> script, TimeSpan d) =>
            Combine(name, processes.Select((r, i) => WrkAsync(name, url(r, i), script(i), connections / processes.Count, d)));
        var total = await TotalMissionsAsync(http, first.RestUrl);
        var transitionLua = Enumerable.Range(0, replicas.Count)
            .Select(i => TransitionLua(scripts, mission, runs.Where((_, k) => k % replicas.Count == i).ToList(), $"transition-{i}.lua"))
            .ToList();
        // Reads first, then writes (what a write row leaves behind — index growth, autovacuum — lands on write rows).
        var plan = new List<(IReadOnlyList<ServerProcess> Processes, Func<TimeSpan, Task<Figure>> Measure)>();
        if (setup.Peers.Count > 0)
        {
            plan.Add((setup.Peers, d => Wrk(setup.Peers, "peer: GET mission by id (one SELECT)", (p, _) => $"{p.RestUrl}/v2/ai/missions/{mission}", _ => readLua, d)));
        }
        plan.Add((replicas, d => Wrk(replicas, "REST get mission by id", (r, _) => $"{r.RestUrl}/v2/ai/missions/{mission}", _ => readLua, d)));
        plan.Add((replicas, d => Wrk(replicas, $"REST list page of 20 ({Math.Round(total / 1000.0):N0}k missions)", (r, _) => $"{r.RestUrl}/v2/ai/missions?page%5Bsize%5D=20", _ => readLua, d)));
        if (setup.Peers.Count > 0)
        {
            plan.Add((setup.Peers, d => Wrk(setup.Peers, "peer: create (one INSERT, autocommit)", (p, _) => $"{p.RestUrl}/v2/ai/missions", _ => createLua, d)));
        }
        plan.Add((replicas, d => Wrk(replicas, "REST create", (r, _) => $"{r.RestUrl}/v2/ai/missions", _ => createLua, d)));
        plan.Add((replicas, async d =>
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
        }));
        // Events: one run per replica (a run's events are ordered under its row lock: one hot run is one queue).
        plan.Add((replicas, d => Wrk(replicas, "REST log event", (r, i) => $"{r.RestUrl}{runsPath}/{runs[i]}/events", _ => eventLua, d)));
        // Transitions: each replica moves its own share of the runs (callers working on different runs).
        plan.Add((replicas, d => Wrk(replicas, "REST run transition (PATCH status)", (r, _) => $"{r.RestUrl}/", i => transitionLua[i], d)));

        // A process just started runs cold code: every row's load once first (its JIT settles), then the database's
        // housekeeping of what the warm-up wrote, then the measured pass.
        foreach (var (_, measure) in plan)
        {
            await measure(warmUp);
        }
        await MaintainAsync(setup);
        var rows = new List<Figure>();
        foreach (var (processes, measure) in plan)
        {
            await measure(warmUp);
            var pids = processes.Select(p => p.ProcessId).ToList();
            var (app, db) = (CpuMeter.Seconds(pids), setup.Postmaster is { } pm ? CpuMeter.ClusterSeconds(pm) : double.NaN);
            var figure = await measure(duration);
            var perRequest = 1e6 / Math.Max(1, figure.Requests);
            figure = figure with
            {
                CpuApp = (CpuMeter.Seconds(pids) - app) * perRequest,
                CpuDb = setup.Postmaster is { } after ? (CpuMeter.ClusterSeconds(after) - db) * perRequest : double.NaN,
            };
            rows.Add(figure);
            Console.WriteLine($"  {figure.Name,-40} {figure.Rps,9:N0} req/s  p50 {figure.P50Ms,6:F2} ms  p99 {figure.P99Ms,6:F2} ms  CPU {Cpu(figure),-18} µs/req  failures {figure.Failures}");
        }
        return rows;
    }

    /// <summary>
    /// pgbench on the same cluster: a SELECT by primary key (its built-in select-only script, prepared) and a one-row
    /// INSERT per transaction with synchronous commit: what PostgreSQL itself does on this machine at this concurrency.
    /// </summary>
    private static async Task<List<Figure>> PgbenchAsync(PostgresCluster cluster, string scripts, int connections, TimeSpan warmUp, TimeSpan duration)
    {
        var pgbench = Path.Combine(cluster.BinDirectory, "pgbench");
        var target = new Npgsql.NpgsqlConnectionStringBuilder(cluster.BaseConnectionString);
        string[] Connect() => ["-h", target.Host!, "-p", target.Port.ToString(Invariant), "-U", target.Username!, target.Database!];
        await RunAsync(pgbench, ["-i", "-q", "-s", "10", .. Connect()]);
        var insert = Path.Combine(scripts, "insert.sql");
        await File.WriteAllTextAsync(insert, "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, :client_id, 1, CURRENT_TIMESTAMP);\n");
        var figures = new List<Figure>();
        foreach (var (name, script) in new[] { ("pgbench: SELECT by primary key, prepared", new[] { "-S" }), ("pgbench: one-row INSERT, synchronous commit", new[] { "-f", insert }) })
        {
            Figure? figure = null;
            foreach (var seconds in new[] { warmUp, duration })
            {
                var log = Directory.CreateDirectory(Path.Combine(scripts, "pgbench-log-" + Guid.NewGuid().ToString("N")[..8])).FullName;
                var output = await RunAsync(pgbench,
                    ["-n", "-M", "prepared", "-c", connections.ToString(Invariant), "-j", "2", "-T", ((int)seconds.TotalSeconds).ToString(Invariant),
                     "-l", "--log-prefix", Path.Combine(log, "tx"), .. script, .. Connect()]);
                // Per-transaction log lines: client, transaction, latency µs, … (pgbench's -l format).
                var latencies = Directory.EnumerateFiles(log).SelectMany(File.ReadLines)
                    .Select(l => double.Parse(l.Split(' ')[2], Invariant) / 1000).Order().ToArray();
                var tps = double.Parse(Match(output, @"tps = ([\d.]+)"), Invariant);
                figure = new Figure(name, tps, Percentile(latencies, 0.5), Percentile(latencies, 0.99), latencies.Length, 0);
                Directory.Delete(log, recursive: true);
            }
            figures.Add(figure!);
            Console.WriteLine($"  {figure!.Name,-40} {figure.Rps,9:N0} tps    p50 {figure.P50Ms,6:F2} ms  p99 {figure.P99Ms,6:F2} ms");
        }
        return figures;
    }

    /// <summary>
    /// PostgreSQL's housekeeping of what seeding and warming up wrote, done before the measured pass instead of during it:
    /// statistics, dead rows, and a checkpoint (whose writes would otherwise land on whatever row comes next).
    /// </summary>
    private static async Task MaintainAsync(Setup setup)
    {
        if (setup.Postmaster is null)
        {
            return;
        }
        await using var connection = new Npgsql.NpgsqlConnection(setup.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[] { "VACUUM ANALYZE", "CHECKPOINT" })
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>One row from the processes' simultaneous measurements: throughput and counts summed, p50 averaged, p99 the worst.</summary>
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
