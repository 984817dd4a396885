using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The operator's disk-full drill against the real server process (any build: <c>--server path/to/Missions.Grpc.dll</c>):
/// the data folder is a small tmpfs with a ballast file; concurrent clients create missions until the
/// volume is full, the ballast is deleted, writing goes on, then the server is killed and restarted and
/// every mission is read back. Prints what clients were told (by status) against what was stored:
/// acknowledged but missing, refused but stored, names stored twice. Then a start on a full volume.
/// Needs root (mount); says so and stops otherwise.
/// </summary>
internal static class DiskFullRun
{
    private const string Key = TestKeys.KeyA;

    /// <param name="serverDll">The server build to drill; null: this tree's.</param>
    public static async Task RunAsync(string? serverDll, int sizeMb, int ballastMb, int clients, TimeSpan fillFor, int afterFree)
    {
        Console.WriteLine($"\n## Disk full: {sizeMb} MB tmpfs, {ballastMb} MB ballast, {clients} clients; server {serverDll ?? "of this tree"}");
        if (Tmpfs.Unavailable is { } reason)
        {
            Console.WriteLine($"SKIPPED: {reason}");
            return;
        }
        using var volume = Tmpfs.Mount(sizeMb);
        var mount = volume.Path;
        var database = Path.Combine(mount, "missions.db");
        var ballast = Path.Combine(mount, "ballast");
        File.WriteAllBytes(ballast, new byte[ballastMb * 1024 * 1024]);

        var told = new ConcurrentDictionary<string, string>(); // name -> what the client was told
        await using (var server = await ServerProcess.StartAsync(database, serverDll: serverDll))
        {
            var fill = await DriveAsync(server.RestUrl, "fill", clients, fillFor, int.MaxValue, told);
            Console.WriteLine($"fill:       {fill}");
            Console.WriteLine($"  reads while full: GET /v2/ai/missions -> {await ProbeReadAsync(server.RestUrl)}, /healthz -> {await ProbeAsync(server.RestUrl + "/healthz", null)}");
            File.Delete(ballast);
            await Task.Delay(2000);
            // A bounded number of writes, so that they do not fill the freed space again.
            var freed = await DriveAsync(server.RestUrl, "freed", clients, TimeSpan.FromSeconds(60), afterFree, told);
            Console.WriteLine($"after free: {freed}");
            Console.WriteLine($"  reads after free: GET /v2/ai/missions -> {await ProbeReadAsync(server.RestUrl)}, /healthz -> {await ProbeAsync(server.RestUrl + "/healthz", null)}");
            var errors = server.Output.Split('\n').Count(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
            Console.WriteLine($"  server error log lines: {errors}");
            await server.KillAsync();
        }

        ServerProcess restarted;
        try
        {
            restarted = await ServerProcess.StartAsync(database, serverDll: serverDll);
        }
        catch (InvalidOperationException refused)
        {
            Console.WriteLine($"restart refused (the writes after freeing filled the volume again: use fewer --after-free): {refused.Message}");
            return;
        }
        await using (var server = restarted)
        {
            var stored = await ListNamesAsync(server.RestUrl);
            var acknowledged = told.Where(t => t.Value == "201").Select(t => t.Key).ToHashSet();
            var refused = told.Where(t => t.Value != "201" && t.Value != "no answer").Select(t => t.Key).ToHashSet();
            var byName = stored.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
            Console.WriteLine($"after restart: stored {stored.Count:N0} missions, {byName.Count:N0} distinct names");
            Console.WriteLine($"  acknowledged {acknowledged.Count:N0}: missing {acknowledged.Count(n => !byName.ContainsKey(n))}");
            Console.WriteLine($"  refused {refused.Count:N0}: stored anyway {refused.Count(byName.ContainsKey)}");
            Console.WriteLine($"  no answer {told.Count(t => t.Value == "no answer"):N0}: stored {told.Where(t => t.Value == "no answer").Count(t => byName.ContainsKey(t.Key))}");
            Console.WriteLine($"  names stored more than once: {byName.Count(kv => kv.Value > 1)} (extra copies: {byName.Values.Sum(v => Math.Max(0, v - 1))})");
            await server.TerminateAsync(TimeSpan.FromSeconds(30));
        }

        // A start on a full volume: what the operator sees, and whether the files are left as they were.
        var filler = volume.Fill();
        var before = Hashes(mount, filler);
        await using (var server = await ServerProcess.StartAsync(database, waitUntilHealthy: false, serverDll: serverDll))
        {
            int? exited;
            try
            {
                exited = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                exited = null; // it did not refuse
            }
            var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Console.WriteLine($"start on a full volume: exit code {exited?.ToString() ?? "none (still running after 30 s)"}, {lines.Length} output lines, stack trace: {(lines.Any(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)) ? "yes" : "no")}");
            foreach (var line in lines.Take(3))
            {
                Console.WriteLine($"  | {line}");
            }
        }
        var after = Hashes(mount, filler);
        Console.WriteLine($"  files unchanged: {(before.SequenceEqual(after) ? "yes" : "NO")} ({string.Join(", ", before.Select(h => h.Key))})");
        File.Delete(filler);
        await using (var server = await ServerProcess.StartAsync(database, serverDll: serverDll))
        {
            var stored = await ListNamesAsync(server.RestUrl);
            Console.WriteLine($"start after freeing: healthy, {stored.Count:N0} missions readable");
            await server.TerminateAsync(TimeSpan.FromSeconds(30));
        }
    }

    private sealed class Tally
    {
        public ConcurrentDictionary<string, int> ByStatus { get; } = new();
        public int Sent;
        public string FirstFailure = "";

        public override string ToString() =>
            $"{Sent:N0} missions, {ByStatus.Values.Sum():N0} POSTs (a 5xx retried twice, as the SDK does): " + string.Join(", ", ByStatus.OrderBy(k => k.Key).Select(k => $"{k.Value:N0} × {k.Key}")) +
            (FirstFailure.Length > 0 ? $"; first failure body: {FirstFailure}" : "");
    }

    private static async Task<Tally> DriveAsync(string rest, string phase, int clients, TimeSpan duration, int limit, ConcurrentDictionary<string, string> told)
    {
        var tally = new Tally();
        using var http = Client(rest);
        var stopAt = DateTime.UtcNow + duration;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async worker =>
        {
            for (var i = 0; DateTime.UtcNow < stopAt; i++)
            {
                var name = $"{phase}-{worker}-{i}";
                if (Interlocked.Increment(ref tally.Sent) > limit)
                {
                    Interlocked.Decrement(ref tally.Sent);
                    return;
                }
                // Like the official SDK: a 5xx (or 429) is retried twice, after the Retry-After the server sent
                // (else after 0.5 s, then 1 s).
                var outcome = "no answer";
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    TimeSpan? wait = null;
                    try
                    {
                        using var response = await http.PostAsync("/v2/ai/missions", new StringContent($$"""{"name":"{{name}}"}""", Encoding.UTF8, "application/json"));
                        outcome = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        if (response.StatusCode != HttpStatusCode.Created)
                        {
                            wait = response.Headers.RetryAfter?.Delta;
                            var body = await response.Content.ReadAsStringAsync();
                            Interlocked.CompareExchange(ref tally.FirstFailure, $"{outcome} {body}{(wait is { } w ? $" (Retry-After {w.TotalSeconds:F0})" : "")}", "");
                        }
                    }
                    catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
                    {
                        outcome = "no answer";
                    }
                    tally.ByStatus.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                    if (!(outcome.StartsWith('5') || outcome == "429") || DateTime.UtcNow >= stopAt)
                    {
                        break;
                    }
                    await Task.Delay(wait ?? TimeSpan.FromSeconds(0.5 * (1 << attempt)));
                }
                told[name] = outcome;
            }
        }));
        return tally;
    }

    private static async Task<string> ProbeReadAsync(string rest) => await ProbeAsync(rest + "/v2/ai/missions?page[size]=1", Key);

    private static async Task<string> ProbeAsync(string url, string? key)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        try
        {
            using var response = await http.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            return $"{(int)response.StatusCode} {(body.Length > 80 ? body[..80] + "…" : body)}";
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            return "no answer";
        }
    }

    private static async Task<List<string>> ListNamesAsync(string rest)
    {
        using var http = Client(rest);
        var names = new List<string>();
        for (var page = 1; ; page++)
        {
            var json = JsonNode.Parse(await http.GetStringAsync($"/v2/ai/missions?page[size]=1000&page[number]={page}"))!;
            var data = json["data"]!.AsArray();
            names.AddRange(data.Select(m => (string)m!["name"]!));
            if (data.Count < 1000)
            {
                return names;
            }
        }
    }

    private static HttpClient Client(string rest)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(rest), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return http;
    }

    private static List<KeyValuePair<string, string>> Hashes(string folder, string except) =>
        Directory.GetFiles(folder).Where(f => f != except && !f.EndsWith(".lock", StringComparison.Ordinal)).Order()
            .Select(f => KeyValuePair.Create(Path.GetFileName(f), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))))
            .ToList();

}
