using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Processes;

/// <summary>
/// The real server on a real volume that fills up (a small tmpfs): writes refused with 503 while it is full and reads
/// served; accepted again once space is freed, without a restart; a start on the full volume refused in one line with
/// the files untouched; a start after freeing holds every acknowledged write once and none that was refused.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class DiskFullProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [TmpfsFact]
    public async Task A_volume_that_fills_up_refuses_writes_heals_when_freed_and_refuses_a_start_while_full()
    {
        using var volume = Tmpfs.Mount(megabytes: 8);
        var database = Path.Combine(volume.Path, "missions.db");
        var ballast = Path.Combine(volume.Path, "ballast");
        await File.WriteAllBytesAsync(ballast, new byte[2 * 1024 * 1024]);
        var told = new ConcurrentDictionary<string, HttpStatusCode>();

        await using (var server = await ServerProcess.StartAsync(database))
        {
            using var client = Rest(server);
            var refused = 0;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
            {
                var deadline = DateTime.UtcNow + Patience;
                for (var i = 0; Volatile.Read(ref refused) < 20 && DateTime.UtcNow < deadline; i++)
                {
                    if (await CreateAsync(client, $"fill-{writer}-{i}", told) != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            })));
            Assert.True(refused >= 20, "the volume filled up");

            var (listed, _) = await GetAsync(client, "/v2/ai/missions?page[size]=1");
            Assert.Equal(HttpStatusCode.OK, listed);
            Assert.Equal("Degraded", await client.GetStringAsync("/healthz"));

            // Freed: writes are accepted again by the same process, once its next attempt is due (Retry-After).
            File.Delete(ballast);
            var acknowledged = 0;
            for (var i = 0; acknowledged < 20; i++)
            {
                Assert.True(i < 200, "writes were accepted again after space was freed");
                if (await CreateAsync(client, $"freed-{i}", told) == HttpStatusCode.Created)
                {
                    acknowledged++;
                }
                else
                {
                    await Task.Delay(250);
                }
            }
            Assert.Equal("Healthy", await client.GetStringAsync("/healthz"));
            var errors = server.ErrorLines();
            Assert.Single(errors); // the fault, logged once
            Assert.Equal(0, await server.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        // A start on the full volume: one line, the fix, no stack trace, nothing written.
        var filler = volume.Fill();
        var before = Hashes(volume.Path, filler);
        await using (var server = await ServerProcess.StartAsync(database, waitUntilHealthy: false))
        {
            Assert.Equal(1, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var line = Assert.Single(lines);
            Assert.StartsWith($"Missions.Grpc cannot start: The volume holding '{database}' has ", line);
            Assert.Contains("Free space there and start again; the database files were left as they were.", line);
        }
        Assert.Equal(before, Hashes(volume.Path, filler));

        // Freed again: the start succeeds with exactly what was acknowledged.
        File.Delete(filler);
        await using (var server = await ServerProcess.StartAsync(database))
        {
            var stored = await NamesAsync(Rest(server));
            var acknowledged = told.Where(t => t.Value == HttpStatusCode.Created).Select(t => t.Key).ToList();
            Assert.Equal(acknowledged.Order(), stored.Order());
            output.WriteLine($"tmpfs 8 MB: {told.Count} missions sent, {acknowledged.Count} acknowledged, {told.Count - acknowledged.Count} refused with 503; " +
                $"after restarts {stored.Count} stored, {stored.Count - stored.Distinct().Count()} twice; start on the full volume refused in one line, files unchanged");
        }
    }

    /// <summary>Creates a mission; a refusal must be the documented 503.</summary>
    private static async Task<HttpStatusCode> CreateAsync(HttpClient client, string name, ConcurrentDictionary<string, HttpStatusCode> told)
    {
        var (status, json, response) = await client.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"{{name}}"}""");
        told[name] = status;
        if (status != HttpStatusCode.Created)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("Storage is out of space: nothing was changed. Retry after the time in Retry-After.", (string)json!["detail"]!);
        }
        return status;
    }

    private static async Task<(HttpStatusCode, JsonNode?)> GetAsync(HttpClient client, string path)
    {
        var (status, json, _) = await client.SendAsync(HttpMethod.Get, path);
        return (status, json);
    }

    private static async Task<List<string>> NamesAsync(HttpClient client)
    {
        var names = new List<string>();
        for (var page = 1; ; page++)
        {
            var (status, json) = await GetAsync(client, $"{RestCalls.Missions}?page[size]=1000&page[number]={page}");
            Assert.Equal(HttpStatusCode.OK, status);
            var data = json!["data"]!.AsArray();
            names.AddRange(data.Select(m => (string)m!["name"]!));
            if (data.Count < 1000)
            {
                return names;
            }
        }
    }

    private static HttpClient Rest(ServerProcess server) => new()
    {
        BaseAddress = new Uri(server.RestUrl),
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA) },
    };

    private static Dictionary<string, string> Hashes(string folder, string except) =>
        Directory.GetFiles(folder).Where(f => f != except && !f.EndsWith(".lock", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
