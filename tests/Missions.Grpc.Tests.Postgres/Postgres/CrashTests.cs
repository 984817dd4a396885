using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>
/// Crashes under load on PostgreSQL: a replica killed (SIGKILL), and the database itself stopped without a checkpoint
/// (<c>pg_ctl stop -m immediate</c>) and started again. Every acknowledged write is there afterwards; while the database
/// is down callers get a clear 503, never a 500 or a hang; the service recovers by itself.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class CrashTests
{
    [Fact]
    public async Task A_replica_killed_mid_load_loses_no_acknowledged_write()
    {
        using var db = new TempDatabase();
        await using var doomed = await ServerProcess.StartAsync(db);
        await using var survivor = await ServerProcess.StartAsync(db);
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        var load = Enumerable.Range(0, 8).Select(c => CreateUntilAsync(doomed.Rest(timeoutSeconds: 10), $"k{c}", acknowledged, _ => { }, stop.Token)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await doomed.KillAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.True(acknowledged.Count > 50, $"too little load to prove anything: {acknowledged.Count}");
        await AssertAllStoredAsync(survivor.Rest(), acknowledged);
    }

    [Fact]
    public async Task The_database_stopped_immediately_mid_load_loses_no_acknowledged_write_and_the_service_recovers()
    {
        using var cluster = PostgresCluster.CreatePrivate();
        var settings = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres:ConnectionString"] = cluster.ConnectionString("crash"),
        };
        await using var server = await ServerProcess.StartAsync("unused.db", settings: settings);
        var acknowledged = new ConcurrentBag<string>();
        var refusals = new ConcurrentBag<(HttpStatusCode Status, string Body, TimeSpan Took)>();
        using var stop = new CancellationTokenSource();

        var load = Enumerable.Range(0, 8).Select(c => CreateUntilAsync(server.Rest(timeoutSeconds: 30), $"c{c}", acknowledged, refusals.Add, stop.Token)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = acknowledged.Count;
        cluster.StopImmediately();
        await Task.Delay(TimeSpan.FromSeconds(4));
        var health = await server.Rest().GetAsync("/healthz");
        cluster.Start();
        var recovered = Stopwatch.StartNew();
        while (!await WritesAgainAsync(server))
        {
            Assert.True(recovered.Elapsed < TimeSpan.FromSeconds(30), "the service did not recover within 30 s of the database's restart");
            await Task.Delay(200);
        }
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.True(before > 50, $"too little load before the stop: {before}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.NotEmpty(refusals);
        Assert.All(refusals, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status);
            Assert.Contains("Storage", r.Body);
            Assert.True(r.Took < TimeSpan.FromSeconds(15), $"a refusal took {r.Took}");
        });
        // The outage is logged once, as it begins (by the write pipeline, or a read that met it first); nothing else is an error.
        Assert.DoesNotContain(server.ErrorLines(), l => !l.Contains("(database unreachable:", StringComparison.Ordinal));
        await AssertAllStoredAsync(server.Rest(), acknowledged);
    }

    /// <summary>Creates missions until stopped; records the ids of those answered 201 and every other answer.</summary>
    private static async Task CreateUntilAsync(
        HttpClient client, string prefix, ConcurrentBag<string> acknowledged, Action<(HttpStatusCode, string, TimeSpan)> refused, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                using var response = await client.PostAsync("/v2/ai/missions", Json.Body($$"""{"name":"{{prefix}}-{{i}}"}"""));
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged.Add((string)System.Text.Json.Nodes.JsonNode.Parse(body)!["data"]!["mission_id"]!);
                }
                else
                {
                    refused((response.StatusCode, body, clock.Elapsed));
                    await Task.Delay(100);
                }
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100); // the process was killed: its callers see the connection close
            }
        }
    }

    private static async Task<bool> WritesAgainAsync(ServerProcess server) =>
        (await server.Rest().PostAsync("/v2/ai/missions", Json.Body("""{"name":"probe"}"""))).StatusCode == HttpStatusCode.Created;

    private static async Task AssertAllStoredAsync(HttpClient client, IEnumerable<string> acknowledged)
    {
        var missing = new List<string>();
        foreach (var id in acknowledged)
        {
            if ((await client.GetAsync($"/v2/ai/missions/{id}")).StatusCode != HttpStatusCode.OK)
            {
                missing.Add(id);
            }
        }
        Assert.True(missing.Count == 0, $"acknowledged but missing: {string.Join(", ", missing)}");
    }
}
