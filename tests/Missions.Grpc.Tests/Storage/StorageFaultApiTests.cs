using System.Collections.Concurrent;
using System.Net;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using Xunit.Abstractions;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// Storage faults as callers and operators see them, on the in-memory server over a disk that fails when told to:
/// concurrent writers under a failing log or a full disk (503 + Retry-After + detail, gRPC UNAVAILABLE with RetryInfo;
/// reads served; /healthz Degraded; the cause logged once; writes work again once the fault is lifted, without a
/// restart), and checkpoints that fail (no write is charged for it). After each, a restart on the same files holds
/// every acknowledged write once and none that was refused, and a watcher of the run received exactly the
/// acknowledged events.
/// </summary>
public sealed class StorageFaultApiTests(ITestOutputHelper output)
{
    public enum Fault
    {
        IoError,
        DiskFull,
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    /// <summary>What the writers were told, by name (missions) and summary (events).</summary>
    private sealed class Told
    {
        public ConcurrentDictionary<string, HttpStatusCode> Missions { get; } = new();
        public ConcurrentDictionary<string, HttpStatusCode> Events { get; } = new();
        public int Refused;
        public int AcknowledgedAfterLift;
        public volatile bool Lifted;

        public IEnumerable<string> Acknowledged(ConcurrentDictionary<string, HttpStatusCode> writes) =>
            writes.Where(w => w.Value == HttpStatusCode.Created).Select(w => w.Key);
    }

    [Theory]
    [InlineData(Fault.IoError)]
    [InlineData(Fault.DiskFull)]
    public async Task Under_load_a_failing_disk_refuses_writes_as_not_written_serves_reads_and_heals_without_a_restart(Fault fault)
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        var told = new Told();
        List<string> watched;
        string missionId, runId;
        await using (var app = new MissionsApp(db, services: s => s.AddSingleton<IStorageFileOpener>(disk)) { ErrorLogsExpected = true })
        {
            var client = app.Rest();
            (var runPath, missionId, runId) = await client.NewRunAsync();
            using var stopWatching = new CancellationTokenSource();
            var watcher = WatchEventsAsync(app, missionId, runId, stopWatching.Token);
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 12).Select(w => Task.Run(() => WriteAsync(client, runPath, w, fault, told, stop.Token))).ToList();

            await Until(() => told.Missions.Count + told.Events.Count >= 200, "200 writes before the fault");
            if (fault == Fault.IoError)
            {
                disk.FailLogWrites(skip: 0, WriteFault.Before, FaultyDisk.Eio);
            }
            else
            {
                disk.Quota = disk.Used + 48 * 1024; // a few more commits, then a torn page and ENOSPC
            }
            await Until(() => Volatile.Read(ref told.Refused) >= 30, "30 refusals");

            // During the outage: reads are served, health says Degraded, gRPC says UNAVAILABLE with when to retry.
            var (listStatus, list, _) = await client.SendAsync(HttpMethod.Get, RestCalls.Missions + "?page[size]=5");
            Assert.Equal(HttpStatusCode.OK, listStatus);
            Assert.Equal(5, list!["data"]!.AsArray().Count);
            var health = await app.Rest(key: null).GetAsync("/healthz");
            Assert.Equal((HttpStatusCode.OK, "Degraded"), (health.StatusCode, await health.Content.ReadAsStringAsync()));
            var grpcHealth = await new Health.HealthClient(app.GrpcChannel()).CheckAsync(new HealthCheckRequest(), deadline: Deadline);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, grpcHealth.Status); // reads are served
            var refused = await Assert.ThrowsAsync<RpcException>(() =>
                app.Grpc().CreateMissionAsync(new CreateMissionRequest { Name = "over gRPC" }, Key(), Deadline).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
            Assert.True(int.Parse(refused.Trailers.GetValue("retry-after")!) >= 1);
            var status = refused.GetRpcStatus()!;
            Assert.True(status.GetDetail<RetryInfo>()!.RetryDelay.Seconds >= 1);
            Assert.Equal(fault == Fault.DiskFull ? "STORAGE_FULL" : "STORAGE_IO_ERROR", status.GetDetail<ErrorInfo>()!.Reason);

            disk.Lift();
            told.Lifted = true;
            await Until(() => Volatile.Read(ref told.AcknowledgedAfterLift) >= 50, "50 writes acknowledged after the fault was lifted");
            health = await app.Rest(key: null).GetAsync("/healthz");
            Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            await Task.Delay(200);
            await stopWatching.CancelAsync();
            watched = await watcher;

            // The operator reads the cause once, with the batch size; nothing else was logged as an error.
            var error = Assert.Single(app.Logs.Errors);
            Assert.Contains("Storage write failed", error);
            Assert.Matches(@"committing a batch of \d+ writes", error);
            Assert.Contains(fault == Fault.DiskFull ? "out of space" : "I/O error", error);
        }

        await using var restarted = new MissionsApp(db);
        var stored = await AllAsync(restarted.Rest(), RestCalls.Missions, "name");
        Assert.Equal(told.Acknowledged(told.Missions).Append("test mission").Order(), stored.Order()); // each once, nothing refused
        var events = await AllAsync(restarted.Rest(), $"{RestCalls.Missions}/{missionId}/runs/{runId}/events", "summary");
        Assert.Equal(told.Acknowledged(told.Events).Order(), events.Order());
        Assert.Equal(events, watched); // the watcher saw exactly what was stored, in commit order
        output.WriteLine($"{fault}: {told.Missions.Count + told.Events.Count} writes sent, {told.Missions.Values.Concat(told.Events.Values).Count(s => s == HttpStatusCode.Created)} acknowledged, " +
            $"{told.Refused} refused with 503; after restart {stored.Count - 1} missions and {events.Count} events stored, none twice; the watcher received {watched.Count} events");
    }

    [Fact]
    public async Task A_failing_checkpoint_costs_no_write_and_is_retried_until_it_succeeds()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        var settings = new Dictionary<string, string?> { ["Storage:LiteDb:CheckpointLogBytes"] = "65536" };
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var names = new ConcurrentBag<string>();
        await using (var app = new MissionsApp(db, settings, s => s.AddSingleton<IStorageFileOpener>(disk)))
        {
            var client = app.Rest(); // started
            disk.FailDataWrites = true; // every checkpoint fails from here on
            await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 100; i++)
                {
                    var name = $"w{w}-{i}";
                    var (status, _, _) = await client.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"{{name}}"}""");
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                    names.Add(name);
                }
            })));
            Assert.Equal([HttpStatusCode.Created], statuses.Keys);
            Assert.True(new FileInfo(db.Path[..^3] + "-log.db").Length > 4 * 65536, "the log grows while checkpoints fail");
            var health = await app.Rest(key: null).GetAsync("/healthz");
            Assert.Equal((HttpStatusCode.OK, "Degraded"), (health.StatusCode, await health.Content.ReadAsStringAsync()));
            Assert.Contains(app.Logs.All, l => l.Contains("Log checkpoint failed", StringComparison.Ordinal));

            disk.Lift();
            await Until(async () => await (await app.Rest(key: null).GetAsync("/healthz")).Content.ReadAsStringAsync() == "Healthy",
                "a checkpoint succeeding after the fault was lifted");
            Assert.True(new FileInfo(db.Path[..^3] + "-log.db").Length < 65536, "the checkpoint emptied the log");
        }

        await using var restarted = new MissionsApp(db);
        var stored = await AllAsync(restarted.Rest(), RestCalls.Missions, "name");
        Assert.Equal(names.Order(), stored.Order());
        output.WriteLine($"checkpoints failing: {names.Count} POSTs: {string.Join(", ", statuses.Select(s => $"{s.Value} × {(int)s.Key}"))}; " +
            $"stored after restart {stored.Count}, {stored.Count - stored.Distinct().Count()} twice");
    }

    /// <summary>One writer: missions (or, for every fourth writer, events of the run), recording what it was told.</summary>
    private static async Task WriteAsync(HttpClient client, string runPath, int writer, Fault fault, Told told, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var name = $"w{writer}-{i}";
            var isEvent = writer % 4 == 0;
            var (status, json, response) = isEvent
                ? await client.SendAsync(HttpMethod.Post, $"{runPath}/events", $$"""{"type":"message","summary":"{{name}}"}""")
                : await client.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"{{name}}"}""");
            (isEvent ? told.Events : told.Missions)[name] = status;
            if (status == HttpStatusCode.Created)
            {
                if (told.Lifted)
                {
                    Interlocked.Increment(ref told.AcknowledgedAfterLift);
                }
                continue;
            }
            // A refusal, exactly as documented: 503, Retry-After, {"detail": "..."} naming the fault.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var detail = Assert.Single(json!.AsObject());
            Assert.Equal("detail", detail.Key);
            Assert.Contains(fault == Fault.DiskFull ? "out of space" : "I/O error", (string)detail.Value!);
            Interlocked.Increment(ref told.Refused);
            await Task.Delay(50, CancellationToken.None); // an impatient client: well before Retry-After
        }
    }

    /// <summary>The summaries of the events a gRPC watcher of the run receives until <paramref name="stop"/>.</summary>
    private static async Task<List<string>> WatchEventsAsync(MissionsApp app, string missionId, string runId, CancellationToken stop)
    {
        var summaries = new List<string>();
        using var call = new RunWatchService.RunWatchServiceClient(app.GrpcChannel())
            .WatchRun(new WatchRunRequest { MissionId = missionId, RunId = runId }, Key(), DateTime.UtcNow.AddMinutes(5), stop);
        try
        {
            await foreach (var update in call.ResponseStream.ReadAllAsync(stop))
            {
                if (update.Event is { } logged)
                {
                    summaries.Add(logged.Summary);
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException || error is RpcException { StatusCode: StatusCode.Cancelled })
        {
            // stopped by the test
        }
        return summaries;
    }

    /// <summary>Every item of a paginated list (page size 1000), one field of each, in list order.</summary>
    /// <summary>
    /// LiteDB keeps which document holds a key's record in memory: a keyed write the disk refused must leave no trace
    /// there (its retry is processed afresh, once), and after the reopen that healing takes, a key stored before the
    /// fault must still replay (the map is what the files hold).
    /// </summary>
    [Fact]
    public async Task A_keyed_write_the_disk_refused_keeps_its_key_free_and_earlier_keys_still_replay_after_the_reopen()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        await using var app = new MissionsApp(db, services: s => s.AddSingleton<IStorageFileOpener>(disk)) { ErrorLogsExpected = true };
        var client = app.Rest();
        var before = await client.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"stored before the fault"}""", "key-before");
        Assert.Equal(HttpStatusCode.Created, before.Status);

        disk.FailLogWrites(skip: 0, WriteFault.Before, FaultyDisk.Eio);
        var refused = await client.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"refused by the disk"}""", "key-during");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        disk.Lift();

        (HttpStatusCode Status, string Body, HttpResponseMessage Response) retry = default;
        await Until(async () =>
        {
            retry = await client.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"refused by the disk"}""", "key-during");
            return retry.Status != HttpStatusCode.ServiceUnavailable;
        }, "the retry to be served once the disk healed");
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.False(retry.Response!.Replayed()); // processed afresh: the refused attempt kept nothing

        var again = await client.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"stored before the fault"}""", "key-before");
        Assert.Equal(HttpStatusCode.Created, again.Status);
        Assert.True(again.Response.Replayed());
        Assert.Equal(before.Body, again.Body);
        var once = await client.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"refused by the disk"}""", "key-during");
        Assert.True(once.Response.Replayed());
        Assert.Equal(retry.Body, once.Body);

        var names = await AllAsync(client, RestCalls.Missions, "name");
        Assert.Equal(["refused by the disk", "stored before the fault"], names.Order());
    }

    private static async Task<List<string>> AllAsync(HttpClient client, string path, string field)
    {
        var values = new List<string>();
        for (var page = 1; ; page++)
        {
            var (status, json, _) = await client.SendAsync(HttpMethod.Get, $"{path}?page[size]=1000&page[number]={page}");
            Assert.Equal(HttpStatusCode.OK, status);
            var data = json!["data"]!.AsArray();
            values.AddRange(data.Select(item => (string)item![field]!));
            if (data.Count < 1000)
            {
                return values;
            }
        }
    }

    private static Task Until(Func<bool> condition, string what) => Until(() => Task.FromResult(condition()), what);

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
