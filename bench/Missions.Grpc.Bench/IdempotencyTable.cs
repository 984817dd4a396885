using System.Text;
using Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The cost of <c>Idempotency-Key</c> (bench/README.md → Idempotency-Key cost): REST create on a Release service process per backend,
/// without a key and with a new key per request (what a client sending one key per logical request does: every request
/// looked up, fingerprinted and stored with its result), measured back to back in each of eleven rounds; the median of the paired ratios.
/// </summary>
internal static partial class LoadTable
{
    private const int IdempotencyRounds = 11;

    public static async Task<int> RunIdempotencyAsync(string work, TimeSpan duration, TimeSpan warmUp, int connections, string? backends, string? resultsPath)
    {
        if (!OnPath("wrk"))
        {
            Console.Error.WriteLine("wrk is not installed: run bench/install-tools.sh (Debian package wrk).");
            return 2;
        }
        var scripts = Directory.CreateDirectory(Path.Combine(work, "scripts")).FullName;
        const string body = """{"name":"Triage inbound calls","execution_mode":"external","metadata":{"team":"support"}}""";
        var create = await File.ReadAllTextAsync(Lua(scripts, "create.lua", "POST", body));
        // Both sides do the same client work — a per-request header made by a Lua request() function, a prefix new for
        // each wrk run and a counter — so what differs is only what the server does with an Idempotency-Key: without,
        // the header is one the server ignores; with, it is the key (never repeating across runs, so nothing replays).
        string PerRequest(string header)
        {
            var path = Path.Combine(scripts, $"create-{header.ToLowerInvariant()}-{Guid.NewGuid():N}.lua");
            File.WriteAllText(path, create + $$"""
                local counter = 0
                request = function()
                  counter = counter + 1
                  wrk.headers["{{header}}"] = "{{Guid.NewGuid():N}}-" .. counter
                  return wrk.format(nil, nil, nil, nil)
                end
                """);
            return path;
        }
        string Plain() => PerRequest("X-Bench-Request");
        string Keyed() => PerRequest("Idempotency-Key");
        var report = new StringBuilder();
        var failures = false;
        async Task MeasureAsync(string backend, Func<Task<ServerProcess>> start)
        {
            await using var server = await start();
            var url = $"{server.RestUrl}/v2/ai/missions";
            await WrkAsync("warm-up", url, Plain(), connections, warmUp * 3);
            await WrkAsync("warm-up", url, Keyed(), connections, warmUp * 3);

            // Eleven rounds (were seven): single rounds of one build ranged from −12% to +28% in one run on this shared
            // machine, so the median needs more of them.
            const int rounds = IdempotencyRounds;
            var figures = new Dictionary<string, List<Figure>> { ["without"] = [], ["with"] = [] };
            for (var round = 0; round < rounds; round++)
            {
                foreach (var name in round % 2 == 0 ? new[] { "without", "with" } : ["with", "without"])
                {
                    await WrkAsync("warm-up", url, name == "with" ? Keyed() : Plain(), connections, warmUp);
                    var figure = await WrkAsync($"{backend}: REST create, {name} a key", url, name == "with" ? Keyed() : Plain(), connections, duration);
                    figures[name].Add(figure);
                    failures |= figure.Failures > 0;
                    Console.WriteLine($"  {figure.Name,-42} {figure.Rps,9:N0} req/s  p99 {figure.P99Ms,6:F2} ms  failures {figure.Failures}");
                }
            }
            using var http = server.Rest();
            var list = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/v2/ai/missions?page%5Bsize%5D=1"));
            var stored = (long)list!["meta"]!["total_results"]!;
            var without = Median(figures["without"].Select(f => f.Rps));
            var with = Median(figures["with"].Select(f => f.Rps));
            // Each round measures both, back to back: the ratio within a round cancels the machine's slow drift (other
            // tenants), which moves whole rounds by ±20% here. The cost is the median of those paired ratios.
            var ratios = figures["with"].Zip(figures["without"], (w, o) => w.Rps / o.Rps).ToList();
            var cost = 1 - Median(ratios);
            report
                .AppendLine(Invariant, $"### {backend}")
                .AppendLine()
                .AppendLine(Invariant, $"| REST create | req/s (median of {rounds}) | p99 ms (worst) |")
                .AppendLine("|---|---:|---:|")
                .AppendLine(Invariant, $"| without Idempotency-Key | {without:N0} | {figures["without"].Max(f => f.P99Ms):F1} |")
                .AppendLine(Invariant, $"| a new Idempotency-Key per request | {with:N0} | {figures["with"].Max(f => f.P99Ms):F1} |")
                .AppendLine()
                .AppendLine(Invariant, $"Per-round req/s — without: {string.Join(", ", figures["without"].Select(f => f.Rps.ToString("N0", Invariant)))}; with: {string.Join(", ", figures["with"].Select(f => f.Rps.ToString("N0", Invariant)))}. Missions stored: {stored:N0} (every keyed request a new mission: no key repeats).")
                .AppendLine()
                .AppendLine(Invariant, $"Per-round cost (1 − with/without, the two measured back to back): {string.Join(", ", ratios.Select(r => (100 * (1 - r)).ToString("F1", Invariant) + "%"))}.")
                .AppendLine()
                .AppendLine(Invariant, $"Cost of the key path on REST create ({backend}): {100 * cost:F1}% of throughput, the median of the per-round costs (target ≤ 10%: {(cost <= 0.10 ? "met" : "**not met**")}).")
                .AppendLine();
        }

        bool Wanted(string backend) => backends is null || backends.Split(',').Contains(backend, StringComparer.OrdinalIgnoreCase);
        if (Wanted("litedb"))
        {
            await MeasureAsync("LiteDB", () => ServerProcess.StartAsync(Path.Combine(work, "idempotency.db")));
        }
        if (Wanted("postgres") && PostgresCluster.Available)
        {
            using var cluster = PostgresCluster.CreatePrivate();
            await MeasureAsync("PostgreSQL, 1 replica", () => ServerProcess.StartAsync("unused.db", settings: new Dictionary<string, string>
            {
                ["Storage:Provider"] = "Postgres",
                ["Storage:Postgres:ConnectionString"] = cluster.ConnectionString("bench"),
            }));
        }
        else if (Wanted("postgres"))
        {
            report.AppendLine("PostgreSQL: not installed here (scripts/install-postgres.sh), not measured.");
        }
        Console.WriteLine();
        Console.WriteLine(report);
        if (resultsPath is not null)
        {
            await File.WriteAllTextAsync(resultsPath, $"""
                # Idempotency-Key cost

                Written by `bench/Missions.Grpc.Bench idempotency` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, commit {Commit()}): one Release
                service process per backend (LiteDB; PostgreSQL 15, one replica, on this machine), wrk `-t1 -c{connections}`, {warmUp.TotalSeconds:F0} s warm-up + {duration.TotalSeconds:F0} s per measurement, {IdempotencyRounds} rounds, each measuring both back to back (in alternating order); the cost is the median of the rounds' paired ratios.
                Both sides send a new header value per request from a Lua `request()` function (without a key: `X-Bench-Request`,
                which the server ignores), so the client's own work is the same and only the server's key path differs.


                """ + report);
        }
        return failures ? 1 : 0;
    }
}
