using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

/// <summary>
/// The side-by-side load table (bench/README.md → Load table): the service's real process and its peers' (a Minimal API
/// no-op, a bare host's gRPC health service, a hand-written Minimal API + LiteDB create) on loopback, driven by wrk
/// (HTTP/1.1) and h2load (gRPC over h2c) at the same number of connections, one after the other, each warmed up first.
/// Every figure is checked: non-2xx answers and, for gRPC creates, what storage holds afterwards.
/// </summary>
internal static partial class LoadTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public sealed record Figure(string Name, double Rps, double P50Ms, double P99Ms, long Requests, long Failures)
    {
        /// <summary>CPU µs per request of the measured processes (service or peer); NaN when not measured.</summary>
        public double CpuApp { get; init; } = double.NaN;

        /// <summary>CPU µs per request of PostgreSQL's processes; NaN when not measured.</summary>
        public double CpuDb { get; init; } = double.NaN;

        public double CpuTotal => CpuApp + (double.IsNaN(CpuDb) ? 0 : CpuDb);
    }

    public static async Task<int> RunAsync(string work, TimeSpan duration, TimeSpan warmUp, int connections, int seed, string? resultsPath)
    {
        foreach (var tool in new[] { "wrk", "h2load" })
        {
            if (!OnPath(tool))
            {
                Console.Error.WriteLine($"{tool} is not installed: run bench/load-table.sh, which installs it (Debian packages wrk and nghttp2-client).");
                return 2;
            }
        }
        Console.WriteLine($"\n## Load table: {connections} connections, {warmUp.TotalSeconds:F0} s warm-up + {duration.TotalSeconds:F0} s per row, Release processes on loopback");
        var peerDll = Path.Combine(ServerProcess.RepoRoot, "bench", "Missions.Grpc.Peer", "bin", "Release", "net10.0", "Missions.Grpc.Peer.dll");
        await using var peer = await ServerProcess.StartAsync(Path.Combine(work, "unused.db"), serverDll: peerDll, settings: new Dictionary<string, string>
        {
            ["Peer:Database"] = Path.Combine(work, "peer.db"),
            ["Kestrel:Endpoints:Rest:Protocols"] = "Http1",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        });
        await using var service = await ServerProcess.StartAsync(Path.Combine(work, "service.db"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA);

        var scripts = Directory.CreateDirectory(Path.Combine(work, "scripts")).FullName;
        var createBody = """{"name":"Triage inbound calls","execution_mode":"external","metadata":{"team":"support"}}""";
        var createLua = Lua(scripts, "create.lua", "POST", createBody);
        var readLua = Lua(scripts, "read.lua", "GET", null);
        var eventLua = Lua(scripts, "event.lua", "POST", """{"type":"message","summary":"load table","payload":{"n":1}}""");
        var health = GrpcFile(scripts, "health.bin", new Grpc.Health.V1.HealthCheckRequest());
        var grpcCreate = GrpcFile(scripts, "create.bin", new CreateMissionRequest
        {
            Name = "Triage inbound calls",
            ExecutionMode = Mission.Types.ExecutionMode.External,
            Metadata = Struct.Parser.ParseJson("""{"team":"support"}"""),
        });
        var grpcCreateUrl = $"{service.GrpcUrl}/missions.v1.MissionsService/CreateMission";

        // Seed (and warm the gRPC create path): at least `seed` missions, for the list page row.
        var seeding = Stopwatch.StartNew();
        var seeded = await H2loadAsync("seed", grpcCreateUrl, grpcCreate, TestKeys.KeyA, connections, count: seed);
        var stored = await TotalMissionsAsync(http, service.RestUrl);
        Console.WriteLine($"seeded {stored:N0} missions by gRPC in {seeding.Elapsed.TotalSeconds:F0} s ({seeded.Rps:N0}/s)");
        if (stored < seed)
        {
            Console.Error.WriteLine($"seeding stored {stored:N0} missions, fewer than the {seed:N0} requested: {seeded.Failures} failed");
            return 1;
        }

        // One mission to read, one run to log events to, runs to move between running and paused.
        var mission = (string)(await SendAsync(http, HttpMethod.Post, $"{service.RestUrl}/v2/ai/missions", createBody, HttpStatusCode.Created))!["data"]!["mission_id"]!;
        var runsBase = $"{service.RestUrl}/v2/ai/missions/{mission}/runs";
        var runs = new List<string>();
        for (var i = 0; i < 512; i++)
        {
            var run = (string)(await SendAsync(http, HttpMethod.Post, runsBase, "{}", HttpStatusCode.Created))!["data"]!["run_id"]!;
            await SendAsync(http, HttpMethod.Patch, $"{runsBase}/{run}", """{"status":"running"}""", HttpStatusCode.OK);
            runs.Add(run);
        }
        var transitionLua = TransitionLua(scripts, mission, runs);
        await SendAsync(http, HttpMethod.Get, $"{service.RestUrl}/v2/ai/missions/{mission}", null, HttpStatusCode.OK);
        await SendAsync(http, HttpMethod.Post, $"{runsBase}/{runs[0]}/events", """{"type":"message","summary":"check"}""", HttpStatusCode.Created);

        var rows = new List<(string Group, Figure Figure)>();
        async Task<Figure> Row(string group, Func<TimeSpan, Task<Figure>> measure)
        {
            await measure(warmUp);
            var figure = await measure(duration);
            rows.Add((group, figure));
            Console.WriteLine($"  {figure.Name,-44} {figure.Rps,9:N0} req/s  p50 {figure.P50Ms,6:F2} ms  p99 {figure.P99Ms,6:F2} ms  failures {figure.Failures}");
            return figure;
        }

        // gRPC rows twice: 32 connections × 1 stream (32 calls in flight, like the REST rows: latency) and, as the issue's
        // baseline measured gRPC, 8 connections × 16 streams (128 in flight on few connections, as a mesh client calls).
        var restCeiling = await Row("ceiling", d => WrkAsync("REST no-op (peer GET /ping)", $"{peer.RestUrl}/ping", null, connections, d));
        var grpcCeiling = await Row("ceiling", d => H2loadAsync($"gRPC no-op (bare host Health/Check), {connections}×1", $"{peer.GrpcUrl}/grpc.health.v1.Health/Check", health, null, connections, d));
        var grpcCeilingMux = await Row("ceiling", d => H2loadAsync("gRPC no-op (bare host Health/Check), 8×16", $"{peer.GrpcUrl}/grpc.health.v1.Health/Check", health, null, 8, d, streams: 16));
        var ownHealth = await Row("service", d => H2loadAsync($"service gRPC Health/Check, {connections}×1", $"{service.GrpcUrl}/grpc.health.v1.Health/Check", health, null, connections, d));
        var ownHealthMux = await Row("service", d => H2loadAsync("service gRPC Health/Check, 8×16", $"{service.GrpcUrl}/grpc.health.v1.Health/Check", health, null, 8, d, streams: 16));
        // Reads first, on the seeded store (the create rows add several hundred thousand missions).
        var getRow = await Row("service", d => WrkAsync("service REST get mission by id", $"{service.RestUrl}/v2/ai/missions/{mission}", readLua, connections, d));
        var total = await TotalMissionsAsync(http, service.RestUrl);
        var listRow = await Row("service", d => WrkAsync($"service REST list page of 20 ({total / 1000:N0}k missions)", $"{service.RestUrl}/v2/ai/missions?page%5Bsize%5D=20", readLua, connections, d));
        var peerCreate = await Row("peer", d => WrkAsync("hand-written create (peer: JsonNode + LiteDB)", $"{peer.RestUrl}/v2/ai/missions", createLua, connections, d));
        var restCreate = await Row("service", d => WrkAsync("service REST create", $"{service.RestUrl}/v2/ai/missions", createLua, connections, d));
        async Task<Figure> GrpcCreate(string name, int clients, int streams, TimeSpan d)
        {
            var start = await SettledTotalMissionsAsync(http, service.RestUrl);
            var figure = await H2loadAsync(name, grpcCreateUrl, grpcCreate, TestKeys.KeyA, clients, d, streams: streams);
            var added = await SettledTotalMissionsAsync(http, service.RestUrl) - start;
            // h2load counts HTTP statuses (a gRPC error is a 200 too): storage is the check. Acknowledged but not stored
            // is a failure; stored but not acknowledged is allowed only for the calls in flight when h2load stopped.
            var lost = Math.Max(0, figure.Requests - added);
            var extra = Math.Max(0, added - figure.Requests - clients * streams);
            return figure with { Failures = figure.Failures + lost + extra };
        }
        var grpcCreateRow = await Row("service", d => GrpcCreate($"service gRPC create, {connections}×1", connections, 1, d));
        var grpcCreateMux = await Row("service", d => GrpcCreate("service gRPC create, 8×16", 8, 16, d));
        var eventRow = await Row("service", d => WrkAsync("service REST log event", $"{runsBase}/{runs[0]}/events", eventLua, connections, d));
        var transitionRow = await Row("service", d => WrkAsync("service REST run transition (PATCH status)", $"{service.RestUrl}/", transitionLua, connections, d));
        // grpc-dotnet logs a call whose HTTP/2 stream is aborted while its request is read (h2load stopping with calls
        // in flight) as an error of the handler; those are the load generator's, every other error line fails the run.
        var handlerErrors = service.ErrorLines().Where(l => l.Contains("ServerCallHandler[6]", StringComparison.Ordinal)).ToList();
        var aborted = handlerErrors.Count <= CountOccurrences(service.Output, "The request stream was aborted") ? handlerErrors.Count : 0;
        var errors = service.ErrorLines().Where(l => aborted == 0 || !l.Contains("ServerCallHandler[6]", StringComparison.Ordinal)).ToList();
        foreach (var line in errors.Take(10))
        {
            Console.WriteLine($"  server error: {line}");
        }
        if (errors.Count > 0)
        {
            var output = service.Output;
            var first = output.IndexOf(errors[0][..(errors[0].IndexOf(']', StringComparison.Ordinal) + 1)], StringComparison.Ordinal);
            Console.WriteLine(output.Substring(first, Math.Min(4000, output.Length - first)));
        }

        var micro = MicroTable.Run();
        var ratios = new List<(string Target, string Figure, bool Met)>
        {
            ("REST create ≥ 1.5× the hand-written peer", $"{restCreate.Rps / peerCreate.Rps:F2}×", restCreate.Rps >= 1.5 * peerCreate.Rps),
            ("REST create ≥ 70% of the service's gRPC create (8×16)", $"{100 * restCreate.Rps / grpcCreateMux.Rps:F0}%", restCreate.Rps >= 0.7 * grpcCreateMux.Rps),
            ("gRPC create (8×16) ≥ 2.5× the hand-written peer", $"{grpcCreateMux.Rps / peerCreate.Rps:F2}×", grpcCreateMux.Rps >= 2.5 * peerCreate.Rps),
            ("REST get by id ≥ 40% of the REST no-op ceiling", $"{100 * getRow.Rps / restCeiling.Rps:F0}%", getRow.Rps >= 0.4 * restCeiling.Rps),
            ("REST list page ≥ 20% of the REST no-op ceiling", $"{100 * listRow.Rps / restCeiling.Rps:F0}%", listRow.Rps >= 0.2 * restCeiling.Rps),
            ("REST create p99 ≤ 10 ms", $"{restCreate.P99Ms:F1} ms", restCreate.P99Ms <= 10),
            ($"gRPC create p99 ≤ 10 ms ({connections}×1)", $"{grpcCreateRow.P99Ms:F1} ms", grpcCreateRow.P99Ms <= 10),
            ("service gRPC health ≥ 70% of the bare host's (8×16)", $"{100 * ownHealthMux.Rps / grpcCeilingMux.Rps:F0}%", ownHealthMux.Rps >= 0.7 * grpcCeilingMux.Rps),
            ("validating a CreateMission ≤ 10% of parsing it", $"{100 * micro.CreateMissionRatio:F0}%", micro.CreateMissionRatio <= 0.10),
        };

        var report = new StringBuilder();
        report.AppendLine("| row | req/s | p50 ms | p99 ms | requests | failures |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (_, f) in rows)
        {
            report.AppendLine(Invariant, $"| {f.Name} | {f.Rps:N0} | {f.P50Ms:F2} | {f.P99Ms:F2} | {f.Requests:N0} | {f.Failures:N0} |");
        }
        report.AppendLine();
        report.AppendLine("| target | figure | met |");
        report.AppendLine("|---|---:|---|");
        foreach (var (target, figure, met) in ratios)
        {
            report.AppendLine($"| {target} | {figure} | {(met ? "yes" : "**no**")} |");
        }
        report.AppendLine();
        report.AppendLine(Invariant, $"Other ratios: REST create / REST ceiling {100 * restCreate.Rps / restCeiling.Rps:F0}%, gRPC create / gRPC ceiling {100 * grpcCreateMux.Rps / grpcCeilingMux.Rps:F0}% (8×16), {100 * grpcCreateRow.Rps / grpcCeiling.Rps:F0}% ({connections}×1), service health / bare host {100 * ownHealth.Rps / grpcCeiling.Rps:F0}% ({connections}×1), log event / peer create {eventRow.Rps / peerCreate.Rps:F2}×, run transition / peer create {transitionRow.Rps / peerCreate.Rps:F2}×. Server error log lines during the run: {errors.Count} (besides {aborted} calls aborted mid-request by h2load stopping, which grpc-dotnet logs as handler errors).");
        report.AppendLine();
        report.Append(micro.Markdown);
        Console.WriteLine();
        Console.WriteLine(report);

        if (resultsPath is not null)
        {
            var header = $"""
                # Load table

                Written by `bench/load-table.sh` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, commit {Commit()}).
                Load generator and servers share the machine: compare ratios, not absolute figures, across machines.
                wrk `-t1 -c{connections}` (HTTP/1.1) and h2load `-c{connections} -m1` and `-c8 -m16` (gRPC over h2c), each row warmed up for {warmUp.TotalSeconds:F0} s, then measured for {duration.TotalSeconds:F0} s.


                """;
            await File.WriteAllTextAsync(resultsPath, header + report);
            Console.WriteLine($"written to {resultsPath}");
        }
        var failed = rows.Where(r => r.Figure.Failures > 0).Select(r => r.Figure.Name).ToList();
        if (failed.Count > 0 || errors.Count > 0)
        {
            Console.Error.WriteLine($"failures in: {string.Join(", ", failed)}; server error lines: {errors.Count}");
            return 1;
        }
        return 0;
    }

    private static async Task<Figure> WrkAsync(string name, string url, string? script, int connections, TimeSpan duration)
    {
        var args = new List<string> { "-t1", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency", "--timeout", "10s" };
        if (script is not null)
        {
            args.AddRange(["-s", script]);
        }
        args.Add(url);
        var output = await RunAsync("wrk", args);
        var requests = long.Parse(Match(output, @"(\d+) requests in"), Invariant);
        var non2xx = WrkCount(output, @"Non-2xx or 3xx responses: (\d+)");
        var socket = Regex.Match(output, @"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)");
        var socketErrors = socket.Success ? Enumerable.Range(1, 4).Sum(i => long.Parse(socket.Groups[i].Value, Invariant)) : 0;
        return new Figure(name, double.Parse(Match(output, @"Requests/sec:\s+([\d.]+)"), Invariant),
            WrkLatency(output, "50%"), WrkLatency(output, "99%"), requests, non2xx + socketErrors);
    }

    private static async Task<Figure> H2loadAsync(string name, string url, string body, string? key, int connections, TimeSpan? duration = null, int count = 0, int streams = 1)
    {
        var log = Path.GetTempFileName();
        try
        {
            var args = new List<string> { $"-c{connections}", $"-m{streams}", "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers", "--log-file", log };
            args.AddRange(duration is { } d ? ["-D", ((int)d.TotalSeconds).ToString(Invariant)] : ["-n", count.ToString(Invariant)]);
            if (key is not null)
            {
                args.AddRange(["-H", $"authorization: Bearer {key}"]);
            }
            args.Add(url);
            var output = await RunAsync("h2load", args);
            var done = Regex.Match(output, @"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored");
            var elapsed = (await File.ReadAllLinesAsync(log))
                .Select(l => l.Split('\t'))
                .Where(f => f.Length >= 3 && f[1] == "200")
                .Select(f => double.Parse(f[2], Invariant) / 1000)
                .Order()
                .ToArray();
            var succeeded = long.Parse(done.Groups[4].Value, Invariant);
            var failed = long.Parse(done.Groups[5].Value, Invariant) + long.Parse(done.Groups[6].Value, Invariant);
            return new Figure(name, double.Parse(Match(output, @"finished in [\d.]+s, ([\d.]+) req/s"), Invariant),
                Percentile(elapsed, 0.50), Percentile(elapsed, 0.99), succeeded, failed + (succeeded - elapsed.Length));
        }
        finally
        {
            File.Delete(log);
        }
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double WrkLatency(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s+{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, Invariant);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    private static long WrkCount(string output, string pattern)
    {
        var match = Regex.Match(output, pattern);
        return match.Success ? long.Parse(match.Groups[1].Value, Invariant) : 0;
    }

    private static string Match(string output, string pattern) =>
        Regex.Match(output, pattern) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException($"unexpected output (no '{pattern}'):\n{output}");

    private static async Task<string> RunAsync(string tool, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{tool} exited with {process.ExitCode}: {await error}{await output}");
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static string Commit()
    {
        try
        {
            var start = new ProcessStartInfo("git", ["-C", ServerProcess.RepoRoot, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true };
            using var git = Process.Start(start)!;
            var sha = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return sha.Length > 0 ? sha : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    /// <summary>A wrk script sending one request shape with the API key.</summary>
    private static string Lua(string folder, string name, string method, string? body)
    {
        var lua = new StringBuilder();
        lua.AppendLine(Invariant, $"wrk.method = \"{method}\"");
        lua.AppendLine(Invariant, $"wrk.headers[\"Authorization\"] = \"Bearer {TestKeys.KeyA}\"");
        if (body is not null)
        {
            lua.AppendLine("wrk.headers[\"Content-Type\"] = \"application/json\"");
            lua.AppendLine(Invariant, $"wrk.body = '{body}'");
        }
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, lua.ToString());
        return path;
    }

    /// <summary>
    /// PATCH status, request i to run i mod N, paused then running then paused...: each request a real transition while
    /// fewer than N requests are in flight (32 connections, 512 runs); running→running or paused→paused, where a phase
    /// restarts, answers 200 unchanged.
    /// </summary>
    private static string TransitionLua(string folder, string mission, IReadOnlyList<string> runs, string file = "transition.lua")
    {
        var lua = $$"""
            local runs = { {{string.Join(", ", runs.Select(r => $"\"{r}\""))}} }
            local headers = { ["Authorization"] = "Bearer {{TestKeys.KeyA}}", ["Content-Type"] = "application/json" }
            local i = 0
            request = function()
              local run = runs[(i % #runs) + 1]
              local status = (math.floor(i / #runs) % 2 == 0) and "paused" or "running"
              i = i + 1
              return wrk.format("PATCH", "/v2/ai/missions/{{mission}}/runs/" .. run, headers, '{"status":"' .. status .. '"}')
            end
            """;
        var path = Path.Combine(folder, file);
        File.WriteAllText(path, lua);
        return path;
    }

    /// <summary>A gRPC request body file: the length-prefixed message.</summary>
    private static string GrpcFile(string folder, string name, IMessage message)
    {
        var payload = message.ToByteArray();
        var framed = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(framed, 5);
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, framed);
        return path;
    }

    private static async Task<JsonNode?> SendAsync(HttpClient http, HttpMethod method, string url, string? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return response.StatusCode == expected
            ? JsonNode.Parse(text)
            : throw new InvalidOperationException($"{method} {url}: {(int)response.StatusCode} {text}");
    }

    /// <summary>
    /// The total once calls still in flight from a load generator that just stopped have committed (two reads 300 ms
    /// apart agree): what a count before or after a measurement must be.
    /// </summary>
    private static async Task<long> SettledTotalMissionsAsync(HttpClient http, string restUrl)
    {
        var total = await TotalMissionsAsync(http, restUrl);
        while (true)
        {
            await Task.Delay(300);
            var again = await TotalMissionsAsync(http, restUrl);
            if (again == total)
            {
                return total;
            }
            total = again;
        }
    }

    private static async Task<long> TotalMissionsAsync(HttpClient http, string restUrl) =>
        (long)(await SendAsync(http, HttpMethod.Get, $"{restUrl}/v2/ai/missions?page%5Bsize%5D=1", null, HttpStatusCode.OK))!["meta"]!["total_results"]!;
}
