using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// What webhooks cost (bench/README.md → Webhooks): REST run transitions on a service process with no webhook and on one
/// with an endpoint that wants every event type, whose deliveries go to <see cref="WebhookSink"/> in this process, both
/// measured back to back in each round (the order alternating), the cost the median of the paired ratios; each measured
/// round's deliveries waited for before the next measurement, so neither side is measured while the other still sends.
/// Then the delivery rate: deliveries queued while the receiver is down, and the time they take to arrive once it is up.
/// </summary>
internal static partial class LoadTable
{
    /// <summary>
    /// What a loopback receiver needs, and nothing else: the address policy refuses http and loopback by default. Every
    /// other webhook setting (poll interval, concurrency, timeout, retry schedule) keeps its default in the measured
    /// configuration.
    /// </summary>
    private static readonly Dictionary<string, string> LoopbackReceiver = new()
    {
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:AllowPrivateNetworks"] = "true",
    };

    /// <summary>Transitions a paced run makes per second (one at a time): well below what one endpoint is sent.</summary>
    private const int PacedTransitionsPerSecond = 50;

    /// <summary>Longest wait for a round's deliveries: a liveness bound (a delivery lost), never a judgement of speed.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A server process's CPU seconds: all of it, its write pipeline's thread (every write of the process is committed
    /// there, one batch at a time: the thread a write-heavy row waits on) and the server GC's threads.
    /// </summary>
    private sealed record CpuSplit(double Process, double Writer, double Gc)
    {
        public static CpuSplit Read(ServerProcess server) => new(
            CpuMeter.Seconds([server.ProcessId]),
            CpuMeter.ThreadSeconds(server.ProcessId, name => name.EndsWith("-writer", StringComparison.Ordinal)),
            CpuMeter.ThreadSeconds(server.ProcessId, name => name.StartsWith(".NET Server GC", StringComparison.Ordinal) || name.StartsWith(".NET BGC", StringComparison.Ordinal)));

        /// <summary>From <paramref name="start"/> to this, in µs per one of <paramref name="count"/>.</summary>
        public CpuSplit Per(CpuSplit start, long count) =>
            new((Process - start.Process) * 1e6 / count, (Writer - start.Writer) * 1e6 / count, (Gc - start.Gc) * 1e6 / count);
    }

    /// <summary>One paired round of the cost measurement; CPU in µs per transition.</summary>
    private sealed record WebhookRound(
        bool WithFirst, Figure Without, Figure With, CpuSplit CpuWithout, CpuSplit CpuWith, CpuSplit CpuWithDrain,
        long Queued, long ArrivedDuring, TimeSpan Drain, IReadOnlyList<WebhookSink.Arrival> Arrivals)
    {
        public double Ratio => With.Rps / Without.Rps;

        /// <summary>Deliveries per second from the first change queued to the last delivery received.</summary>
        public double Rate => Arrivals.Count / TimeSpan.FromTicks(Arrivals.Max(a => a.ReceivedTicks) - Arrivals.Min(a => a.OccurredTicks)).TotalSeconds;
    }

    public static async Task<int> RunWebhooksAsync(
        string work, TimeSpan duration, TimeSpan warmUp, int connections, int rounds, int deliveries, string? backends, string? resultsPath)
    {
        if (!OnPath("wrk"))
        {
            Console.Error.WriteLine("wrk is not installed: run bench/install-tools.sh (Debian package wrk).");
            return 2;
        }
        var scripts = Directory.CreateDirectory(Path.Combine(work, "scripts")).FullName;
        var report = new StringBuilder();
        var failures = new List<string>();

        bool Wanted(string backend) => backends is null || backends.Split(',').Contains(backend, StringComparer.OrdinalIgnoreCase);
        if (Wanted("litedb"))
        {
            await MeasureWebhooksAsync("LiteDB", (name, settings) => ServerProcess.StartAsync(Path.Combine(work, $"webhooks-{name}.db"), settings: settings),
                scripts, duration, warmUp, connections, rounds, deliveries, report, failures);
        }
        if (Wanted("postgres") && PostgresCluster.Available)
        {
            using var cluster = PostgresCluster.CreatePrivate();
            await MeasureWebhooksAsync("PostgreSQL, 1 replica", (name, settings) => ServerProcess.StartAsync("unused.db", settings: new Dictionary<string, string>(settings)
            {
                ["Storage:Provider"] = "Postgres",
                ["Storage:Postgres:ConnectionString"] = cluster.ConnectionString($"bench_{name}"),
            }), scripts, duration, warmUp, connections, rounds, deliveries, report, failures);
        }
        else if (Wanted("postgres"))
        {
            report.AppendLine("PostgreSQL: not installed here (scripts/install-postgres.sh), not measured.").AppendLine();
        }
        foreach (var failure in failures)
        {
            report.AppendLine(Invariant, $"**Failed:** {failure}").AppendLine();
        }
        Console.WriteLine();
        Console.WriteLine(report);
        if (resultsPath is not null)
        {
            await File.WriteAllTextAsync(resultsPath, $"""
                # Webhooks

                Written by `bench/Missions.Grpc.Bench webhooks` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, commit {Commit()}): Release service
                processes started by the bench (quotas at their maximum, rate limits off), wrk `-t1 -c{connections}`, the receiver a minimal Kestrel app in the
                bench process that answers 200 with no body at once. Webhook settings are the defaults (poll every 1 s, 128 attempts in flight,
                4 per endpoint, 10 s timeout) except `Webhooks:AllowHttp` and `Webhooks:AllowPrivateNetworks`, which a loopback receiver needs; the
                delivery rate's servers also retry every second (below). Service, receiver and load generator share the machine's cores.


                """ + report);
        }
        return failures.Count > 0 ? 1 : 0;
    }

    private static async Task MeasureWebhooksAsync(
        string backend, Func<string, IReadOnlyDictionary<string, string>, Task<ServerProcess>> start, string scripts,
        TimeSpan duration, TimeSpan warmUp, int connections, int rounds, int deliveries, StringBuilder report, List<string> failures)
    {
        Console.WriteLine($"\n## Webhooks, {backend}");
        if (await WebhooksRefusedAsync(start) is { } reason)
        {
            Console.WriteLine($"  skipped: webhooks are not served on this backend yet ({reason})");
            report.AppendLine(Invariant, $"### {backend}").AppendLine()
                .AppendLine(Invariant, $"Skipped: this backend does not serve webhooks yet (a server with an endpoint: `{reason}`).").AppendLine();
            return;
        }
        await using var sink = await WebhookSink.StartAsync();
        await using var none = await start("none", LoopbackReceiver);
        await using var hook = await start("hook", LoopbackReceiver);
        using var noneHttp = none.Rest();
        using var hookHttp = hook.Rest();
        var webhook = await CreateEndpointAsync(hookHttp, sink.Url());
        var (noneMission, noneRuns) = await SetUpRunsAsync(noneHttp);
        var noneLua = TransitionLua(scripts, noneMission, noneRuns, "transition-none.lua");
        var (hookMission, hookRuns) = await SetUpRunsAsync(hookHttp);
        var hookLua = TransitionLua(scripts, hookMission, hookRuns, "transition-hook.lua");
        await DrainAsync(hookHttp, [webhook], sink, failures); // the setup's own deliveries (each run created, then running)

        // Warm-up: JIT tiers, caches, the files' growth; the endpoint's deliveries sent before anything is measured.
        await WrkAsync("warm-up", $"{none.RestUrl}/", noneLua, connections, warmUp * 3);
        await WrkAsync("warm-up", $"{hook.RestUrl}/", hookLua, connections, warmUp * 3);
        await DrainAsync(hookHttp, [webhook], sink, failures);

        var measured = new List<WebhookRound>();
        for (var round = 0; round < rounds; round++)
        {
            var withFirst = round % 2 == 1;
            Figure? without = null, with = null;
            CpuSplit? cpuWithout = null, cpuWith = null, cpuWithDrain = null;
            long queued = 0, during = 0;
            var drain = TimeSpan.Zero;
            IReadOnlyList<WebhookSink.Arrival> arrivals = [];
            foreach (var side in withFirst ? new[] { "with", "without" } : ["without", "with"])
            {
                if (side == "without")
                {
                    await WrkAsync("warm-up", $"{none.RestUrl}/", noneLua, connections, warmUp);
                    var cpu = CpuSplit.Read(none);
                    without = await WrkAsync($"{backend}: REST run transition, no webhook", $"{none.RestUrl}/", noneLua, connections, duration);
                    cpuWithout = CpuSplit.Read(none).Per(cpu, without.Requests);
                    Console.WriteLine($"  {without.Name,-58} {without.Rps,9:N0} req/s  p99 {without.P99Ms,6:F2} ms  failures {without.Failures}");
                }
                else
                {
                    await WrkAsync("warm-up", $"{hook.RestUrl}/", hookLua, connections, warmUp);
                    await DrainAsync(hookHttp, [webhook], sink, failures); // the warm-up's deliveries are not this measurement's
                    var before = await QueuedDeliveriesAsync(hookHttp, [webhook]);
                    var from = sink.Distinct;
                    var cpu = CpuSplit.Read(hook);
                    with = await WrkAsync($"{backend}: REST run transition, one endpoint", $"{hook.RestUrl}/", hookLua, connections, duration);
                    var cpuEnd = CpuSplit.Read(hook);
                    during = sink.Distinct - from;
                    var drained = System.Diagnostics.Stopwatch.StartNew();
                    queued = await DrainAsync(hookHttp, [webhook], sink, failures) - before;
                    drain = drained.Elapsed;
                    cpuWith = cpuEnd.Per(cpu, with.Requests);
                    cpuWithDrain = CpuSplit.Read(hook).Per(cpu, with.Requests);
                    arrivals = sink.ArrivalsFrom(from);
                    Console.WriteLine($"  {with.Name,-58} {with.Rps,9:N0} req/s  p99 {with.P99Ms,6:F2} ms  failures {with.Failures}  " +
                        $"deliveries queued {queued:N0}, arrived during {during:N0}, the rest in {drain.TotalSeconds:F1} s after");
                }
            }
            var r = new WebhookRound(withFirst, without!, with!, cpuWithout!, cpuWith!, cpuWithDrain!, queued, during, drain, arrivals);
            measured.Add(r);
            Console.WriteLine($"  round {round + 1}: cost {100 * (1 - r.Ratio):F1}%");
        }
        // The lag above is a backlog's: the transitions queue deliveries faster than one endpoint's are sent. Paced well
        // below the delivery rate, the lag is what a receiver sees in ordinary use.
        var paceDuration = TimeSpan.FromSeconds(Math.Max(10, duration.TotalSeconds));
        var paced = await PacedTransitionsAsync(hookHttp, hookMission, hookRuns, PacedTransitionsPerSecond, paceDuration, sink);
        await DrainAsync(hookHttp, [webhook], sink, failures);
        var pacedLags = sink.ArrivalsFrom(paced).Select(a => a.LagMs).Order().ToArray();
        Console.WriteLine($"  paced at {PacedTransitionsPerSecond} transitions/s for {paceDuration.TotalSeconds:F0} s: {pacedLags.Length:N0} deliveries, lag p50 {Percentile(pacedLags, 0.5):N0} ms, p99 {Percentile(pacedLags, 0.99):N0} ms");

        foreach (var f in measured.SelectMany(r => new[] { r.Without, r.With }).Where(f => f.Failures > 0))
        {
            failures.Add($"{f.Name}: {f.Failures} non-2xx answers or socket errors");
        }
        foreach (var (server, name) in new[] { (none, "no webhook"), (hook, "one endpoint") })
        {
            failures.AddRange(server.ErrorLines().Take(5).Select(l => $"{backend}, {name}: server error: {l}"));
        }
        if (sink.Unreadable > 0)
        {
            failures.Add($"{backend}: {sink.Unreadable} deliveries without a readable data.id and data.occurred_at");
        }
        var duplicates = sink.Duplicates;

        var cost = 1 - Median(measured.Select(r => r.Ratio));
        var lags = measured.SelectMany(r => r.Arrivals).Select(a => a.LagMs).Order().ToArray();
        var queuedTotal = measured.Sum(r => r.Queued);
        var duringTotal = measured.Sum(r => r.ArrivedDuring);
        var requests = measured.Sum(r => r.With.Requests);
        string N(double value, string format = "N0") => value.ToString(format, Invariant);
        report
            .AppendLine(Invariant, $"### {backend}: what an active endpoint costs a run transition")
            .AppendLine()
            .AppendLine(Invariant, $"REST run transition (PATCH status, alternating paused/running over 512 runs, the load table's row), {rounds} rounds; in each, both service processes measured back to back (the order alternating), each after a {warmUp.TotalSeconds:F0} s warm-up, for {duration.TotalSeconds:F0} s. The endpoint wants every event type: a pause queues two deliveries (`mission_run.status_changed`, `mission_run.paused`), a resume one. Its dispatcher sends them from the same server process while the transitions are measured — that sending is part of the cost measured; what it could not send during the measurement it sends after, and the next measurement starts only once every delivery arrived.")
            .AppendLine()
            .AppendLine(Invariant, $"| REST run transition | req/s (median of {rounds}) | p50 ms (median) | p99 ms (worst) |")
            .AppendLine("|---|---:|---:|---:|")
            .AppendLine(Invariant, $"| no webhook | {N(Median(measured.Select(r => r.Without.Rps)))} | {N(Median(measured.Select(r => r.Without.P50Ms)), "F2")} | {N(measured.Max(r => r.Without.P99Ms), "F1")} |")
            .AppendLine(Invariant, $"| one endpoint, every event type | {N(Median(measured.Select(r => r.With.Rps)))} | {N(Median(measured.Select(r => r.With.P50Ms)), "F2")} | {N(measured.Max(r => r.With.P99Ms), "F1")} |")
            .AppendLine()
            .AppendLine("Server CPU per transition, µs (medians of the rounds; from `/proc`: the whole process, its write pipeline's thread — every write's batch is loaded, applied and committed there, one batch at a time — and the server GC's threads):")
            .AppendLine()
            .AppendLine("| | process | writer thread | GC threads |")
            .AppendLine("|---|---:|---:|---:|");
        foreach (var (label, pick) in new (string, Func<WebhookRound, CpuSplit>)[]
        {
            ("no webhook", r => r.CpuWithout),
            ("one endpoint, during the measurement", r => r.CpuWith),
            ("one endpoint, with the sending of its deliveries after it", r => r.CpuWithDrain),
        })
        {
            report.AppendLine(Invariant, $"| {label} | {N(Median(measured.Select(r => pick(r).Process)))} | {N(Median(measured.Select(r => pick(r).Writer)))} | {N(Median(measured.Select(r => pick(r).Gc)))} |");
        }
        report
            .AppendLine()
            .AppendLine("| round | order | no webhook req/s | one endpoint req/s | cost | deliveries queued | arrived during | the rest arrived in | lag p50 / p99 ms | deliveries/s, first queued → last received |")
            .AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < measured.Count; i++)
        {
            var r = measured[i];
            var roundLags = r.Arrivals.Select(a => a.LagMs).Order().ToArray();
            report.AppendLine(Invariant,
                $"| {i + 1} | {(r.WithFirst ? "endpoint first" : "no webhook first")} | {N(r.Without.Rps)} | {N(r.With.Rps)} | {N(100 * (1 - r.Ratio), "F1")}% | {N(r.Queued)} | {N(r.ArrivedDuring)} ({N(100.0 * r.ArrivedDuring / Math.Max(1, r.Queued))}%) | {N(r.Drain.TotalSeconds, "F1")} s | {N(Percentile(roundLags, 0.5))} / {N(Percentile(roundLags, 0.99))} | {N(r.Rate)} |");
        }
        report
            .AppendLine()
            .AppendLine(Invariant, $"Deliveries queued by the measured transitions: {N(queuedTotal)} ({N((double)queuedTotal / requests, "F2")} per request: a request that finds its run already in the wanted status changes nothing); {N(duringTotal)} ({N(100.0 * duringTotal / Math.Max(1, queuedTotal))}%) arrived while the transitions were measured, the rest after. Every one arrived; received twice: {N(duplicates)}.")
            .AppendLine(Invariant, $"Delivery lag (from `data.occurred_at` to the receiver), over every measured delivery: p50 {N(Percentile(lags, 0.5))} ms, p99 {N(Percentile(lags, 0.99))} ms, max {N(lags.Length == 0 ? double.NaN : lags[^1])} ms.")
            .AppendLine(Invariant, $"Deliveries per second while the transitions ran, from the first change queued to the last delivery received (median of the rounds): {N(Median(measured.Select(r => r.Rate)))}.")
            .AppendLine(Invariant, $"That lag is a backlog's, and grows with the measurement's length: the transitions queue deliveries faster than one endpoint's are sent. With transitions paced at {PacedTransitionsPerSecond}/s (one caller, {paceDuration.TotalSeconds:F0} s: {N(pacedLags.Length)} deliveries), far below the delivery rate: lag p50 {N(Percentile(pacedLags, 0.5))} ms, p99 {N(Percentile(pacedLags, 0.99))} ms (an idle dispatcher looks for due deliveries every `Webhooks:PollInterval`, 1 s; one that is sending looks again as each attempt ends).")
            .AppendLine()
            .AppendLine(Invariant, $"Cost of an active endpoint on a REST run transition ({backend}): {N(100 * cost, "F1")}% of throughput, the median of the rounds' paired costs (target ≤ 15%: {(cost <= 0.15 ? "met" : "**not met**")}).")
            .AppendLine();

        // The delivery rate: with one endpoint at most MaxConcurrentPerEndpoint (4) attempts are in flight; with eight,
        // MaxConcurrentPerOrganization (16): the eight are one organization's.
        var one = await MeasureDrainAsync(backend, start, deliveries, endpoints: 1, failures);
        var eight = await MeasureDrainAsync(backend, start, deliveries, endpoints: 8, failures);
        report
            .AppendLine(Invariant, $"### {backend}: delivery rate")
            .AppendLine()
            .AppendLine("Deliveries queued (run transitions) while the receiver is down, then timed from the receiver listening again until every one arrived: what the dispatcher sends when it has a backlog and nothing else runs. The server's CPU over that time is divided by the deliveries (the receiver's, in the bench process, is not counted). While the receiver is down every attempt fails at connect and is retried; so that no delivery waits long once it is up, these servers retry every second (`Webhooks:RetrySchedule` of fifty 1 s waits instead of the default 5 s, 5 min, 30 min, …): a delivery whose attempt failed just before the receiver came back waits up to a second, included in the time. With one endpoint at most `MaxConcurrentPerEndpoint` (4) attempts are in flight; with eight, all the bench's organization's, `MaxConcurrentPerOrganization` (16; 8 × 4 = 32 before that limit).")
            .AppendLine()
            .AppendLine("| endpoints | deliveries queued | attempts failed while the receiver was down | all arrived in | deliveries/s | server CPU µs per delivery | writer thread | GC threads |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|")
            .AppendLine(one)
            .AppendLine(eight)
            .AppendLine();
    }

    /// <summary>
    /// Why a server on this backend cannot serve webhooks — it does not start, or it refuses to create an endpoint or to
    /// list its deliveries — or null when it can. PostgreSQL's side of webhooks lands after LiteDB's: until then the
    /// section says so and measures LiteDB alone.
    /// </summary>
    private static async Task<string?> WebhooksRefusedAsync(Func<string, IReadOnlyDictionary<string, string>, Task<ServerProcess>> start)
    {
        try
        {
            await using var probe = await start("probe", LoopbackReceiver);
            using var http = probe.Rest();
            await QueuedDeliveriesAsync(http, [await CreateEndpointAsync(http, "http://127.0.0.1:9/hook")]);
            return null;
        }
        catch (Exception error) when (error is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            // A server that exits at start: its output's unhandled exception; an answer refused: its first line.
            var lines = error.Message.Split('\n');
            var unhandled = Array.FindIndex(lines, l => l.StartsWith("Unhandled exception.", StringComparison.Ordinal));
            return (unhandled >= 0 ? lines[unhandled]["Unhandled exception.".Length..] : lines[0]).Trim();
        }
    }

    /// <summary>An endpoint for <paramref name="url"/> that wants every event type (none listed); its id.</summary>
    private static async Task<string> CreateEndpointAsync(HttpClient http, string url) =>
        (string)(await SendAsync(http, HttpMethod.Post, "/v2/ai/mission-webhooks", $$"""{"url":"{{url}}"}""", HttpStatusCode.Created))!["data"]!["webhook_id"]!;

    /// <summary>Every delivery the endpoints were ever given (their counters: nothing is purged within a run of the bench).</summary>
    private static async Task<long> QueuedDeliveriesAsync(HttpClient http, IReadOnlyList<string> webhooks)
    {
        long total = 0;
        foreach (var webhook in webhooks)
        {
            var page = await SendAsync(http, HttpMethod.Get, $"/v2/ai/mission-webhooks/{webhook}/deliveries?page%5Bsize%5D=1", null, HttpStatusCode.OK);
            total += (long)page!["meta"]!["total_results"]!;
        }
        return total;
    }

    /// <summary>
    /// The endpoints' deliveries once the changes still in flight from a load generator that just stopped have committed
    /// (two reads 300 ms apart agree), and then the wait until the sink has them all; returns that total.
    /// </summary>
    private static async Task<long> DrainAsync(HttpClient http, IReadOnlyList<string> webhooks, WebhookSink sink, List<string> failures)
    {
        var total = await QueuedDeliveriesAsync(http, webhooks);
        while (true)
        {
            await Task.Delay(300);
            var again = await QueuedDeliveriesAsync(http, webhooks);
            if (again == total)
            {
                break;
            }
            total = again;
        }
        if (!await sink.WaitForAsync(total, DrainLimit))
        {
            failures.Add($"{total - sink.Distinct:N0} of {total:N0} deliveries had not arrived {DrainLimit.TotalMinutes:F0} minutes after they were queued");
        }
        return total;
    }

    /// <summary>A mission and 512 running runs, as the load table's transition row has them.</summary>
    private static async Task<(string Mission, List<string> Runs)> SetUpRunsAsync(HttpClient http)
    {
        const string body = """{"name":"Triage inbound calls","execution_mode":"external","metadata":{"team":"support"}}""";
        var mission = (string)(await SendAsync(http, HttpMethod.Post, "/v2/ai/missions", body, HttpStatusCode.Created))!["data"]!["mission_id"]!;
        var runs = new List<string>();
        for (var i = 0; i < 512; i++)
        {
            var run = (string)(await SendAsync(http, HttpMethod.Post, $"/v2/ai/missions/{mission}/runs", "{}", HttpStatusCode.Created))!["data"]!["run_id"]!;
            await SendAsync(http, HttpMethod.Patch, $"/v2/ai/missions/{mission}/runs/{run}", """{"status":"running"}""", HttpStatusCode.OK);
            runs.Add(run);
        }
        return (mission, runs);
    }

    /// <summary>
    /// Transitions at <paramref name="perSecond"/> from one caller for <paramref name="duration"/>, each run in turn resumed
    /// and paused (a run the measurements left running is only paused: two deliveries or three per run, never none); the
    /// sink's arrival count before.
    /// </summary>
    private static async Task<int> PacedTransitionsAsync(HttpClient http, string mission, IReadOnlyList<string> runs, int perSecond, TimeSpan duration, WebhookSink sink)
    {
        var from = sink.Distinct;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
        var count = (int)(duration.TotalSeconds * perSecond);
        for (var i = 0; i < count && await timer.WaitForNextTickAsync(); i++)
        {
            var status = i % 2 == 0 ? "running" : "paused";
            await SendAsync(http, HttpMethod.Patch, $"/v2/ai/missions/{mission}/runs/{runs[i / 2 % runs.Count]}", $$"""{"status":"{{status}}"}""", HttpStatusCode.OK);
        }
        return from;
    }

    /// <summary>
    /// The delivery rate of one server process: <paramref name="deliveries"/> queued to <paramref name="endpoints"/>
    /// endpoints while their receiver is down, then the time from the receiver listening again until every one arrived,
    /// and the server's CPU over that time; its row of the table. While the receiver is down every attempt fails at
    /// connect and is retried: this server's schedule is fifty waits of one second (the default's first wait is 5 s and
    /// its second 5 min, which would leave deliveries far in the future), so a delivery is due again at most a second
    /// after its last failed attempt.
    /// </summary>
    private static async Task<string> MeasureDrainAsync(
        string backend, Func<string, IReadOnlyDictionary<string, string>, Task<ServerProcess>> start, int deliveries, int endpoints, List<string> failures)
    {
        var settings = new Dictionary<string, string>(LoopbackReceiver);
        for (var i = 0; i < Missions.Grpc.Webhooks.WebhookOptionsValidator.MaxRetries; i++)
        {
            settings[$"Webhooks:RetrySchedule:{i}"] = "00:00:01";
        }
        await using var sink = await WebhookSink.StartAsync();
        await using var server = await start($"drain{endpoints}", settings);
        using var http = server.Rest();
        var webhooks = new List<string>();
        for (var e = 0; e < endpoints; e++)
        {
            webhooks.Add(await CreateEndpointAsync(http, sink.Url(e)));
        }
        var (mission, runs) = await SetUpRunsAsync(http);
        var before = await DrainAsync(http, webhooks, sink, failures);

        await sink.StopAsync();
        // Transitions as the wrk script makes them (a pause queues two deliveries per endpoint, a resume one), from 16
        // callers, until enough are queued; how fast does not matter here.
        var next = -1;
        long queuedEstimate = 0;
        var queueing = System.Diagnostics.Stopwatch.StartNew();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(server.RestUrl), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA);
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Read(ref queuedEstimate) < deliveries)
            {
                var i = Interlocked.Increment(ref next);
                var pause = i / runs.Count % 2 == 0;
                await SendAsync(client, HttpMethod.Patch, $"/v2/ai/missions/{mission}/runs/{runs[i % runs.Count]}",
                    pause ? """{"status":"paused"}""" : """{"status":"running"}""", HttpStatusCode.OK);
                Interlocked.Add(ref queuedEstimate, (pause ? 2 : 1) * endpoints);
            }
        }));
        var queuedIn = queueing.Elapsed;
        var queued = await QueuedDeliveriesAsync(http, webhooks) - before;
        var failedAttempts = await AttemptsAsync(http, "no_response");

        var cpu = CpuSplit.Read(server);
        var drained = System.Diagnostics.Stopwatch.StartNew();
        await sink.ListenAsync();
        var all = await sink.WaitForAsync(before + queued, DrainLimit);
        var drain = drained.Elapsed;
        var perDelivery = CpuSplit.Read(server).Per(cpu, queued);
        if (!all)
        {
            failures.Add($"{backend}, drain to {endpoints} endpoint(s): {before + queued - sink.Distinct:N0} of {queued:N0} deliveries had not arrived after {DrainLimit.TotalMinutes:F0} minutes");
        }
        failures.AddRange(server.ErrorLines().Take(5).Select(l => $"{backend}, drain to {endpoints} endpoint(s): server error: {l}"));
        var rate = queued / drain.TotalSeconds;
        Console.WriteLine($"  drain, {endpoints} endpoint(s): {queued:N0} deliveries queued in {queuedIn.TotalSeconds:F1} s with the receiver down ({failedAttempts:N0} attempts failed meanwhile), " +
            $"all arrived {drain.TotalSeconds:F1} s after it listened again: {rate:N0}/s, server CPU {perDelivery.Process:N0} µs per delivery (writer thread {perDelivery.Writer:N0}, GC {perDelivery.Gc:N0})");
        return string.Create(Invariant, $"| {endpoints} | {queued:N0} | {failedAttempts:N0} | {drain.TotalSeconds:F1} s | {rate:N0} | {perDelivery.Process:N0} | {perDelivery.Writer:N0} | {perDelivery.Gc:N0} |");
    }

    /// <summary>The server's webhook attempts so far with <paramref name="result"/>, from its Prometheus metrics.</summary>
    private static async Task<long> AttemptsAsync(HttpClient http, string result)
    {
        var text = await http.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("missions_webhook_attempts_total{", StringComparison.Ordinal) && l.Contains($"result=\"{result}\"", StringComparison.Ordinal));
        return line is null ? 0 : (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], Invariant);
    }
}
