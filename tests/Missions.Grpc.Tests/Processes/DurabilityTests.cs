using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Processes;

/// <summary>
/// Nothing acknowledged is lost: the real server process under concurrent writers, killed with SIGKILL in
/// the middle of the load (several rounds on one file), or stopped with SIGTERM; and a file it cannot read
/// is reported, never replaced.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class DurabilityTests(ITestOutputHelper output)
{
    /// <summary>What a client was told was stored: a mission, a run in a status, and its events.</summary>
    private sealed record Acknowledged(string MissionId, string Name, string? RunId, string? RunStatus, List<(string Id, string Summary)> Events);

    private static HttpClient Rest(ServerProcess server) => new()
    {
        BaseAddress = new Uri(server.RestUrl),
        Timeout = TimeSpan.FromSeconds(20),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA) },
    };

    /// <summary>
    /// One client's loop: a mission, a run, two events, the run moved to running — recording each step only
    /// once its response came back (an acknowledgement). Stops at the first failure (the server is gone).
    /// </summary>
    private static async Task ClientAsync(HttpClient client, string prefix, ConcurrentBag<Acknowledged> acknowledged, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            Acknowledged? current = null;
            try
            {
                var name = $"{prefix}-{i}";
                var (status, mission, _) = await client.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"{{name}}"}""");
                if (status != HttpStatusCode.Created)
                {
                    return;
                }
                current = new Acknowledged((string)mission!["data"]!["mission_id"]!, name, null, null, []);
                acknowledged.Add(current);
                var (runStatus, run, _) = await client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{current.MissionId}/runs", "{}");
                if (runStatus != HttpStatusCode.Created)
                {
                    return;
                }
                var runPath = $"{RestCalls.Missions}/{current.MissionId}/runs/{(string)run!["data"]!["run_id"]!}";
                var withRun = current with { RunId = (string)run["data"]!["run_id"]!, RunStatus = "pending" };
                acknowledged.Add(withRun);
                for (var e = 0; e < 2; e++)
                {
                    var summary = $"{name} event {e}";
                    var (eventStatus, logged, _) = await client.SendAsync(HttpMethod.Post, $"{runPath}/events", $$"""{"type":"message","summary":"{{summary}}"}""");
                    if (eventStatus != HttpStatusCode.Created)
                    {
                        return;
                    }
                    withRun.Events.Add(((string)logged!["data"]!["event_id"]!, summary));
                }
                var (patched, _, _) = await client.SendAsync(HttpMethod.Patch, runPath, """{"status":"running"}""");
                if (patched != HttpStatusCode.OK)
                {
                    return;
                }
                acknowledged.Add(withRun with { RunStatus = "running", Events = [.. withRun.Events] });
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException)
            {
                return; // the server went away mid-request: that write was never acknowledged
            }
        }
    }

    /// <summary>Checks every acknowledged write through the REST API; returns the number checked and what is missing.</summary>
    private static async Task<(int Checked, List<string> Lost)> VerifyAsync(HttpClient client, IEnumerable<Acknowledged> acknowledged)
    {
        var lost = new List<string>();
        var count = 0;
        // The latest acknowledgement per mission covers the earlier ones (same mission, more acknowledged).
        foreach (var ack in acknowledged.GroupBy(a => a.MissionId).Select(g => g.OrderBy(a => a.RunStatus == "running" ? 2 : a.RunId is null ? 0 : 1).ThenBy(a => a.Events.Count).Last()))
        {
            count += 1 + (ack.RunId is null ? 0 : 1) + ack.Events.Count + (ack.RunStatus == "running" ? 1 : 0);
            var (status, mission, _) = await client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{ack.MissionId}");
            if (status != HttpStatusCode.OK || (string?)mission!["data"]!["name"] != ack.Name)
            {
                lost.Add($"mission {ack.MissionId} ({ack.Name}): {(int)status}");
                continue;
            }
            if (ack.RunId is null)
            {
                continue;
            }
            var runPath = $"{RestCalls.Missions}/{ack.MissionId}/runs/{ack.RunId}";
            var (runStatus, run, _) = await client.SendAsync(HttpMethod.Get, runPath);
            if (runStatus != HttpStatusCode.OK || ((string?)run!["data"]!["status"] != ack.RunStatus && ack.RunStatus == "running"))
            {
                lost.Add($"run {ack.RunId}: {(int)runStatus} {run?["data"]?["status"]}");
                continue;
            }
            var (_, events, _) = await client.SendAsync(HttpMethod.Get, $"{runPath}/events?page[size]=1000");
            var stored = events!["data"]!.AsArray().ToDictionary(e => (string)e!["event_id"]!, e => (string)e!["summary"]!);
            foreach (var (id, summary) in ack.Events)
            {
                if (!stored.TryGetValue(id, out var found) || found != summary)
                {
                    lost.Add($"event {id} of run {ack.RunId}");
                }
            }
        }
        return (count, lost);
    }

    [Fact]
    public async Task Acknowledged_writes_survive_sigkill_in_the_middle_of_load_round_after_round()
    {
        const int rounds = 3;
        const int clients = 12;
        using var db = new TempDatabase();
        var acknowledged = new ConcurrentBag<Acknowledged>();
        var totalLost = 0;
        var totalChecked = 0;
        for (var round = 0; round < rounds; round++)
        {
            await using var server = await ServerProcess.StartAsync(db.Path);
            var client = Rest(server);
            // Everything acknowledged in earlier rounds is there after the restart.
            var (checkedBefore, lostBefore) = await VerifyAsync(client, acknowledged);
            Assert.True(lostBefore.Count == 0, $"round {round}: lost after restart:\n{string.Join("\n", lostBefore)}");

            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(client, $"r{round}c{c}", acknowledged, stop.Token))).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(1500));
            await server.KillAsync(); // SIGKILL mid-load: requests in flight get no answer
            stop.Cancel();
            await Task.WhenAll(load);
            totalChecked = checkedBefore;
            totalLost += lostBefore.Count;
        }
        await using (var final = await ServerProcess.StartAsync(db.Path))
        {
            var (checkedAll, lost) = await VerifyAsync(Rest(final), acknowledged);
            totalChecked = checkedAll;
            totalLost += lost.Count;
            output.WriteLine($"Crash durability: {rounds} SIGKILL rounds, {clients} clients, {checkedAll} acknowledged writes, {lost.Count} lost");
            Assert.True(lost.Count == 0, "lost:\n" + string.Join("\n", lost));
            Assert.Empty(final.ErrorLines());
        }
        Assert.True(totalChecked > rounds * clients, $"too little load to prove anything: {totalChecked} writes");
        Assert.Equal(0, totalLost);
    }

    [Fact]
    public async Task Sigterm_drains_in_flight_requests_and_the_writer_then_exits_cleanly()
    {
        using var db = new TempDatabase();
        var acknowledged = new ConcurrentBag<Acknowledged>();
        int exitCode;
        string output1;
        await using (var server = await ServerProcess.StartAsync(db.Path))
        {
            var client = Rest(server);
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 16).Select(c => Task.Run(() => ClientAsync(client, $"term{c}", acknowledged, stop.Token))).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(1200));

            exitCode = await server.TerminateAsync(TimeSpan.FromSeconds(30));
            stop.Cancel();
            await Task.WhenAll(load);
            output1 = server.Output;
        }

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("fail:", output1);
        // A clean exit checkpoints LiteDB's log into the data file: nothing is left half-written beside it.
        Assert.False(File.Exists(Path.Combine(db.Directory, "missions-log.db")), "the log file was left behind");
        await using var restarted = await ServerProcess.StartAsync(db.Path);
        var client2 = Rest(restarted);
        var (checkedCount, lost) = await VerifyAsync(client2, acknowledged);
        output.WriteLine($"Graceful shutdown: exit code {exitCode}, {checkedCount} acknowledged writes, {lost.Count} lost");
        Assert.True(lost.Count == 0, "lost:\n" + string.Join("\n", lost));
        Assert.True(checkedCount > 16, $"too little load to prove anything: {checkedCount} writes");
        var (_, list, _) = await client2.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}?page[size]=1000");
        Assert.Equal(list!["data"]!.AsArray().Count, (int)list["meta"]!["total_results"]!); // counters agree with the data
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_is_reported_and_left_untouched()
    {
        using var db = new TempDatabase();
        var garbage = RandomNumberGenerator.GetBytes(16 * 1024);
        await File.WriteAllBytesAsync(db.Path, garbage);

        await using var server = await ServerProcess.StartAsync(db.Path, waitUntilHealthy: false);
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Missions.Grpc cannot start: The LiteDB file '{db.Path}' cannot be opened", server.Output);
        Assert.Contains("It was left untouched", server.Output);
        Assert.DoesNotContain("   at ", server.Output); // no stack trace
        Assert.Equal(garbage, await File.ReadAllBytesAsync(db.Path));
    }
}
