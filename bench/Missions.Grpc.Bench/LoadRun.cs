using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

/// <summary>
/// A bounded load run over real sockets (Kestrel on loopback): concurrent clients create missions
/// over REST and gRPC and list pages, for a fixed time; then every acknowledged create is looked up
/// in storage (nothing acknowledged may be lost) and throughput is compared with one client.
/// </summary>
internal static class LoadRun
{
    private const string Key = "load-key-0123456789abcdef";
    private const string Org = "org-load";

    public static async Task RunAsync(string databasePath, TimeSpan duration, int clients)
    {
        Console.WriteLine($"\n## Load: {clients} clients for {duration.TotalSeconds:F0} s over loopback sockets (70% REST create, 10% gRPC create, 20% REST list)");
        var rest = $"http://127.0.0.1:{LoopbackPorts.Next()}";
        var grpc = $"http://127.0.0.1:{LoopbackPorts.Next()}";
        await using var app = BenchServer.Create("Load", new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Rest:Url"] = rest,
            ["Kestrel:Endpoints:Grpc:Url"] = grpc,
            ["Storage:LiteDb:Path"] = databasePath,
            ["Auth:ApiKeys:0:Key"] = Key,
            ["Auth:ApiKeys:0:Organization"] = Org,
        });
        app.UseKestrel();
        app.StartServer();

        var baseline = await DriveAsync(rest, grpc, 1, duration / 4);
        Report("baseline: 1 client", baseline, null);
        var loaded = await DriveAsync(rest, grpc, clients, duration);
        Report($"{clients} clients", loaded, baseline);

        var store = app.Services.GetRequiredService<IMissionStore>();
        var acknowledged = baseline.Created.Concat(loaded.Created).ToList();
        var lost = 0;
        foreach (var id in acknowledged)
        {
            try
            {
                await store.GetMissionAsync(Org, id);
            }
            catch (ResourceNotFoundException)
            {
                lost++;
            }
        }
        var total = (await store.ListMissionsAsync(Org, 0, 1)).TotalResults;
        Console.WriteLine($"acknowledged creates: {acknowledged.Count:N0}; found in storage: {acknowledged.Count - lost:N0}; lost: {lost}; total_results: {total:N0}");
        if (lost > 0 || total != acknowledged.Count)
        {
            Environment.ExitCode = 1;
        }
    }

    private sealed class Outcome
    {
        public ConcurrentBag<Guid> Created { get; } = [];
        public ConcurrentDictionary<string, ConcurrentBag<double>> Latency { get; } = new();
        public ConcurrentDictionary<string, int> Failures { get; } = new();
        public TimeSpan Elapsed { get; set; }

        public int Operations => Latency.Values.Sum(l => l.Count);
    }

    private static async Task<Outcome> DriveAsync(string rest, string grpc, int clients, TimeSpan duration)
    {
        var outcome = new Outcome();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(rest), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var channel = GrpcChannel.ForAddress(grpc);
        var client = new MissionsService.MissionsServiceClient(channel);
        var headers = new Metadata { { "authorization", $"Bearer {Key}" } };
        var stopAt = DateTime.UtcNow + duration;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async worker =>
        {
            var random = new Random(worker);
            for (var i = 0; DateTime.UtcNow < stopAt; i++)
            {
                var roll = random.Next(10);
                var kind = roll < 7 ? "REST create" : roll < 8 ? "gRPC create" : "REST list";
                var start = Stopwatch.GetTimestamp();
                try
                {
                    switch (kind)
                    {
                        case "REST create":
                            var response = await http.PostAsync("/v2/ai/missions", new StringContent(
                                $$$"""{"name":"load {{{worker}}}-{{{i}}}","metadata":{"worker":{{{worker}}},"i":{{{i}}}}}""", Encoding.UTF8, "application/json"));
                            if (response.StatusCode != HttpStatusCode.Created)
                            {
                                throw new InvalidOperationException($"HTTP {(int)response.StatusCode}");
                            }
                            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                            outcome.Created.Add(Guid.Parse((string)json["data"]!["mission_id"]!));
                            break;
                        case "gRPC create":
                            var created = await client.CreateMissionAsync(new CreateMissionRequest { Name = $"load {worker}-{i}" }, headers, DateTime.UtcNow.AddSeconds(30));
                            outcome.Created.Add(Guid.Parse(created.Data.MissionId));
                            break;
                        default:
                            var list = await http.GetAsync("/v2/ai/missions?page[size]=20");
                            if (list.StatusCode != HttpStatusCode.OK)
                            {
                                throw new InvalidOperationException($"HTTP {(int)list.StatusCode}");
                            }
                            await list.Content.ReadAsByteArrayAsync();
                            break;
                    }
                    outcome.Latency.GetOrAdd(kind, _ => []).Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
                catch (Exception error)
                {
                    outcome.Failures.AddOrUpdate($"{kind}: {error.GetType().Name} {error.Message}", 1, (_, n) => n + 1);
                }
            }
        }));
        outcome.Elapsed = clock.Elapsed;
        return outcome;
    }

    private static void Report(string label, Outcome outcome, Outcome? baseline)
    {
        var rate = outcome.Operations / outcome.Elapsed.TotalSeconds;
        var ratio = baseline is null ? "" : $"  ({rate / (baseline.Operations / baseline.Elapsed.TotalSeconds):F1}× the 1-client rate)";
        Console.WriteLine($"{label}: {outcome.Operations:N0} operations in {outcome.Elapsed.TotalSeconds:F1} s = {rate:N0}/s{ratio}");
        foreach (var (kind, samples) in outcome.Latency.OrderBy(k => k.Key))
        {
            var sorted = samples.Order().ToArray();
            Console.WriteLine($"  {kind,-12} n={sorted.Length,7:N0}  p50={sorted[sorted.Length / 2] / 1000,7:F2} ms  p99={sorted[(int)(sorted.Length * 0.99)] / 1000,7:F2} ms  max={sorted[^1] / 1000,7:F2} ms");
        }
        foreach (var (failure, count) in outcome.Failures)
        {
            Console.WriteLine($"  FAILED {count}×: {failure}");
        }
        if (!outcome.Failures.IsEmpty)
        {
            Environment.ExitCode = 1;
        }
    }
}
