using System.Text;
using Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The cost of observability (bench/README.md → Telemetry overhead): REST create and GET by id on two service processes
/// in the same run — telemetry off (no tracing, no metrics) and on (traces recorded and exported over OTLP to a local
/// port, Prometheus metrics collected) — measured alternately (off-on, on-off, off-on), three times each after a long warm-up, so that the machine's drift hits
/// both alike; the medians are compared.
/// </summary>
internal static partial class LoadTable
{
    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    public static async Task<int> RunTelemetryAsync(string work, TimeSpan duration, TimeSpan warmUp, int connections, string? resultsPath)
    {
        if (!OnPath("wrk"))
        {
            Console.Error.WriteLine("wrk is not installed: run bench/install-tools.sh (Debian package wrk).");
            return 2;
        }
        var scripts = Directory.CreateDirectory(Path.Combine(work, "scripts")).FullName;
        var createLua = Lua(scripts, "create.lua", "POST", """{"name":"Triage inbound calls","execution_mode":"external","metadata":{"team":"support"}}""");
        await using var off = await ServerProcess.StartAsync(Path.Combine(work, "off.db"), settings: new Dictionary<string, string>
        {
            ["Telemetry:MetricsEnabled"] = "false",
        });
        // An OTLP endpoint nobody listens on: spans are recorded and batched for export exactly as with a collector.
        await using var on = await ServerProcess.StartAsync(Path.Combine(work, "on.db"), settings: new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317",
            ["Telemetry:MetricsEnabled"] = "true",
        });
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestKeys.KeyA);

        var figures = new Dictionary<string, List<Figure>> { ["off"] = [], ["on"] = [] };
        foreach (var server in new[] { off, on })
        {
            await WrkAsync("warm-up", $"{server.RestUrl}/v2/ai/missions", createLua, connections, warmUp * 3); // JIT tiers, caches, file growth
        }
        for (var round = 0; round < 3; round++)
        {
            foreach (var (name, server) in round % 2 == 0 ? new[] { ("off", off), ("on", on) } : [("on", on), ("off", off)])
            {
                await WrkAsync("warm-up", $"{server.RestUrl}/v2/ai/missions", createLua, connections, warmUp);
                var figure = await WrkAsync($"REST create, telemetry {name}", $"{server.RestUrl}/v2/ai/missions", createLua, connections, duration);
                figures[name].Add(figure);
                Console.WriteLine($"  {figure.Name,-28} {figure.Rps,9:N0} req/s  p99 {figure.P99Ms,6:F2} ms  failures {figure.Failures}");
            }
        }
        var offRps = Median(figures["off"].Select(f => f.Rps));
        var onRps = Median(figures["on"].Select(f => f.Rps));
        var cost = 1 - onRps / offRps;
        var report = new StringBuilder()
            .AppendLine("| REST create | req/s (median of 3) | p99 ms (worst) |")
            .AppendLine("|---|---:|---:|")
            .AppendLine(Invariant, $"| telemetry off | {offRps:N0} | {figures["off"].Max(f => f.P99Ms):F1} |")
            .AppendLine(Invariant, $"| traces (OTLP) + metrics on | {onRps:N0} | {figures["on"].Max(f => f.P99Ms):F1} |")
            .AppendLine()
            .AppendLine(Invariant, $"Cost of telemetry on REST create: {100 * cost:F1}% of throughput (target ≤ 10%: {(cost <= 0.10 ? "met" : "**not met**")}).")
            .ToString();
        Console.WriteLine();
        Console.WriteLine(report);
        if (resultsPath is not null)
        {
            await File.WriteAllTextAsync(resultsPath, $"""
                # Telemetry overhead

                Written by `bench/Missions.Grpc.Bench telemetry` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, commit {Commit()}): two Release
                service processes in the same run, wrk `-t1 -c{connections}`, {warmUp.TotalSeconds:F0} s warm-up + {duration.TotalSeconds:F0} s per measurement, alternated three times after a {3 * warmUp.TotalSeconds:F0} s warm-up each; medians compared.


                """ + report);
        }
        return figures.Values.SelectMany(f => f).Any(f => f.Failures > 0) ? 1 : 0;
    }
}
