using System.Text;
using Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The cost of observability (bench/README.md → Telemetry overhead): REST create on three service processes in the same
/// run — telemetry off (no tracing, no metrics endpoint), metrics on (Prometheus), and traces and metrics on (every span
/// recorded and exported over OTLP/HTTP to <see cref="OtlpSink"/>, which accepts them as a collector does) — measured in
/// turn (the order rotating each round), five times each after a long warm-up, so that the machine's drift hits all
/// alike; the medians are compared.
/// </summary>
internal static partial class LoadTable
{
    private const int Rounds = 5;

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
        await using var sink = await OtlpSink.StartAsync();
        await using var off = await ServerProcess.StartAsync(Path.Combine(work, "off.db"), settings: new Dictionary<string, string>
        {
            ["Telemetry:MetricsEnabled"] = "false",
        });
        await using var metrics = await ServerProcess.StartAsync(Path.Combine(work, "metrics.db"), settings: new Dictionary<string, string>
        {
            ["Telemetry:MetricsEnabled"] = "true",
        });
        await using var on = await ServerProcess.StartAsync(Path.Combine(work, "on.db"), settings: new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["Telemetry:MetricsEnabled"] = "true",
        });
        (string Name, ServerProcess Server)[] configurations = [("off", off), ("metrics", metrics), ("on", on)];

        var figures = configurations.ToDictionary(c => c.Name, _ => new List<Figure>());
        foreach (var (_, server) in configurations)
        {
            await WrkAsync("warm-up", $"{server.RestUrl}/v2/ai/missions", createLua, connections, warmUp * 3); // JIT tiers, caches, file growth
        }
        for (var round = 0; round < Rounds; round++)
        {
            for (var i = 0; i < configurations.Length; i++)
            {
                var (name, server) = configurations[(i + round) % configurations.Length];
                await WrkAsync("warm-up", $"{server.RestUrl}/v2/ai/missions", createLua, connections, warmUp);
                var figure = await WrkAsync($"REST create, telemetry {name}", $"{server.RestUrl}/v2/ai/missions", createLua, connections, duration);
                figures[name].Add(figure);
                Console.WriteLine($"  {figure.Name,-32} {figure.Rps,9:N0} req/s  p99 {figure.P99Ms,6:F2} ms  failures {figure.Failures}");
            }
        }
        if (sink.Requests == 0)
        {
            Console.Error.WriteLine("The OTLP sink received no export: the traced configuration did not export.");
            return 1;
        }
        var offRps = Median(figures["off"].Select(f => f.Rps));
        var metricsRps = Median(figures["metrics"].Select(f => f.Rps));
        var onRps = Median(figures["on"].Select(f => f.Rps));
        var cost = 1 - onRps / offRps;
        var report = new StringBuilder()
            .AppendLine($"| REST create | req/s (median of {Rounds}) | p99 ms (worst) |")
            .AppendLine("|---|---:|---:|")
            .AppendLine(Invariant, $"| telemetry off | {offRps:N0} | {figures["off"].Max(f => f.P99Ms):F1} |")
            .AppendLine(Invariant, $"| metrics on (Prometheus) | {metricsRps:N0} | {figures["metrics"].Max(f => f.P99Ms):F1} |")
            .AppendLine(Invariant, $"| traces (every span, OTLP) + metrics on | {onRps:N0} | {figures["on"].Max(f => f.P99Ms):F1} |")
            .AppendLine()
            .AppendLine(Invariant, $"Per-round req/s — off: {string.Join(", ", figures["off"].Select(f => f.Rps.ToString("N0", Invariant)))}; metrics: {string.Join(", ", figures["metrics"].Select(f => f.Rps.ToString("N0", Invariant)))}; on: {string.Join(", ", figures["on"].Select(f => f.Rps.ToString("N0", Invariant)))}.")
            .AppendLine(Invariant, $"The OTLP sink accepted {sink.Requests:N0} exports ({sink.Bytes / 1e6:F1} MB).")
            .AppendLine()
            .AppendLine(Invariant, $"Cost of metrics alone: {100 * (1 - metricsRps / offRps):F1}%.")
            .AppendLine(Invariant, $"Cost of telemetry on REST create: {100 * cost:F1}% of throughput (target ≤ 10%: {(cost <= 0.10 ? "met" : "**not met**")}).")
            .ToString();
        Console.WriteLine();
        Console.WriteLine(report);
        if (resultsPath is not null)
        {
            await File.WriteAllTextAsync(resultsPath, $"""
                # Telemetry overhead

                Written by `bench/Missions.Grpc.Bench telemetry` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, commit {Commit()}): three Release
                service processes in the same run, wrk `-t1 -c{connections}`, {warmUp.TotalSeconds:F0} s warm-up + {duration.TotalSeconds:F0} s per measurement, in rotating order {Rounds} times after a {3 * warmUp.TotalSeconds:F0} s warm-up each; medians compared.
                Spans are exported over OTLP/HTTP to a stand-in collector in the bench process (accepts every export).


                """ + report);
        }
        return figures.Values.SelectMany(f => f).Any(f => f.Failures > 0) ? 1 : 0;
    }
}
