using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The server's memory while many clients read the largest page the limits allow: 1,000 missions, each with the largest
/// name, description, model and instructions the contract accepts and the largest metadata Validation:MaxFreeFormBytes
/// allows, read as GET /v2/ai/missions?page[size]=1000 by N clients at once (the server is its own process; its resident
/// memory is sampled from /proc every 50 ms). Baseline in the same run: the same clients reading pages of 20.
/// </summary>
internal static class PageMemoryRun
{
    private const string Key = TestKeys.KeyA;

    public static async Task RunAsync(string? serverDll, int clients, TimeSpan duration, string? results)
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db, serverDll: serverDll);
        using var http = new HttpClient { BaseAddress = new Uri(server.RestUrl), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        var mission = LargestMission();
        var seeded = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            using var response = await http.PostAsync("/v2/ai/missions", new StringContent(mission, Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
        });
        Console.WriteLine($"seeded 1,000 missions of {mission.Length:N0} bytes each in {seeded.Elapsed.TotalSeconds:F1} s");

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# Server memory while {clients} clients read the largest page");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Written by `bench/page-memory.sh` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}).");
        report.AppendLine(CultureInfo.InvariantCulture, $"1,000 missions of {mission.Length:N0} bytes of JSON each (the contract's largest name, description, model and instructions, the largest metadata `Validation:MaxFreeFormBytes` allows); {clients} clients, {duration.TotalSeconds:F0} s per row; resident memory (VmRSS) of the server process sampled every 50 ms.");
        report.AppendLine();
        report.AppendLine("| row | answer bytes | pages/s | p50 ms | RSS before MiB | RSS peak MiB | peak − before MiB |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var size in new[] { 20, 1000 })
        {
            var row = await ReadAsync(http, server.ProcessId, size, clients, duration);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"| page[size]={size} | {row.Bytes:N0} | {row.Rate:F1} | {row.P50:F0} | {row.Before / 1048576.0:F0} | {row.Peak / 1048576.0:F0} | {(row.Peak - row.Before) / 1048576.0:F0} |");
            Console.WriteLine(line);
            report.AppendLine(line);
        }
        if (results is not null)
        {
            await File.WriteAllTextAsync(results, report.ToString());
            Console.WriteLine($"written to {results}");
        }
    }

    private static string LargestMission() =>
        "{\"name\":\"" + new string('n', 256) + "\",\"description\":\"" + new string('d', 8192) + "\",\"model\":\"" + new string('m', 256) +
        "\",\"instructions\":\"" + new string('i', 65536) + "\",\"metadata\":{\"blob\":\"" + new string('x', (16 * 1024) - 11) + "\"}}";

    private static async Task<(long Bytes, double Rate, double P50, long Before, long Peak)> ReadAsync(HttpClient http, int pid, int size, int clients, TimeSpan duration)
    {
        var url = $"/v2/ai/missions?page[size]={size}";
        var bytes = (await http.GetByteArrayAsync(url)).LongLength;
        await Task.Delay(1000);
        var before = Rss(pid);
        var peak = before;
        using var stop = new CancellationTokenSource(duration);
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(pid));
                await Task.Delay(50);
            }
        });
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                await response.Content.CopyToAsync(Stream.Null);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        await sampler;
        var sorted = latencies.Order().ToArray();
        return (bytes, sorted.Length / duration.TotalSeconds, sorted.Length == 0 ? 0 : sorted[sorted.Length / 2], before, peak);
    }

    /// <summary>The process's resident memory, in bytes (Linux).</summary>
    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }
}
