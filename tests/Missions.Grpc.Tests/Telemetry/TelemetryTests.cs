using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Http;
using System.Text.RegularExpressions;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Missions.Grpc.Storage;
using Missions.Grpc.Telemetry;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using OpenTelemetry.Trace;

namespace Missions.Grpc.Tests.Telemetry;

/// <summary>
/// Traces and metrics as an operator sees them: a server span per call named by route or RPC, continuing the caller's
/// <c>traceparent</c>, with a child span per storage command; Prometheus metrics at <c>/metrics</c> with bounded labels.
/// </summary>
public sealed class TelemetryTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ParentSpanId = "00f067aa0ba902b7";

    [Fact]
    public async Task A_rest_and_a_grpc_call_each_make_a_server_span_with_a_storage_child_continuing_the_callers_trace()
    {
        var spans = new List<Activity>();
        using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Telemetry:TracingEnabled"] = "true" },
            services: s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));
        var traceparent = $"00-{TraceId}-{ParentSpanId}-01";

        var rest = app.Rest();
        rest.DefaultRequestHeaders.Add("traceparent", traceparent);
        var (status, _, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"traced over REST"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var metadata = GrpcCalls.Key();
        metadata.Add("traceparent", traceparent);
        await new MissionsService.MissionsServiceClient(app.GrpcChannel())
            .CreateMissionAsync(new CreateMissionRequest { Name = "traced over gRPC", ExecutionMode = Mission.Types.ExecutionMode.External }, metadata);

        var servers = await WaitForAsync(spans, s => s.Kind == ActivityKind.Server && s.TraceId.ToHexString() == TraceId, 2);
        var restSpan = Assert.Single(servers, s => s.DisplayName == "POST /v2/ai/missions");
        var grpcSpan = Assert.Single(servers, s => s.DisplayName.Contains("missions.v1.MissionsService/CreateMission", StringComparison.Ordinal));
        foreach (var server in new[] { restSpan, grpcSpan })
        {
            Assert.Equal(ParentSpanId, server.ParentSpanId.ToHexString()); // the caller's trace goes on through us
            var storage = Assert.Single(Snapshot(spans), s => s.ParentSpanId == server.SpanId && s.DisplayName == "storage write CreateMission");
            Assert.Equal("committed", storage.GetTagItem("missions.storage.outcome"));
            Assert.True((int)storage.GetTagItem("missions.storage.batch_size")! >= 1);
        }
        Assert.Equal(201, restSpan.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task Sampling_follows_the_standard_variables_and_a_callers_sampled_trace_is_kept()
    {
        var spans = new List<Activity>();
        using var app = new MissionsApp(
            settings: new Dictionary<string, string?> { ["Telemetry:TracingEnabled"] = "true", ["OTEL_TRACES_SAMPLER"] = "parentbased_always_off" },
            services: s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));

        var root = app.Rest();
        var (status, _, _) = await root.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"not sampled"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var traced = app.Rest();
        traced.DefaultRequestHeaders.Add("traceparent", $"00-{TraceId}-{ParentSpanId}-01");
        (status, _, _) = await traced.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"sampled by its caller"}""");
        Assert.Equal(HttpStatusCode.Created, status);

        var server = Assert.Single(await WaitForAsync(spans, s => s.Kind == ActivityKind.Server, 1));
        Assert.Equal(TraceId, server.TraceId.ToHexString());
        await Task.Delay(200); // a root span, had it been sampled, would have ended before the second call
        Assert.All(Snapshot(spans), span => Assert.Equal(TraceId, span.TraceId.ToHexString()));
    }

    [Fact]
    public async Task Metrics_are_scraped_without_a_key_and_no_label_holds_an_id_a_key_or_an_organization()
    {
        using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["RateLimiting:Enabled"] = "true", ["RateLimiting:TokenLimit"] = "8", ["RateLimiting:TokensPerPeriod"] = "1", ["RateLimiting:ReplenishmentSeconds"] = "60" });
        var rest = app.Rest();
        var (runPath, missionId, runId) = await rest.NewRunAsync();
        await rest.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}");
        var (invalid, _, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":5}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid);
        using (var watch = await rest.GetAsync(runPath + "/watch", HttpCompletionOption.ResponseHeadersRead))
        {
            // A live stream, closed here once its first line came (its handler ran: the gauge has a measurement).
            Assert.Equal(HttpStatusCode.OK, watch.StatusCode);
            using var lines = new StreamReader(await watch.Content.ReadAsStreamAsync());
            Assert.NotNull(await lines.ReadLineAsync());
        }
        for (var i = 0; i < 8; i++)
        {
            await rest.SendAsync(HttpMethod.Get, RestCalls.Missions); // the bucket runs out: 429s
        }

        var text = "";
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && !text.Contains("missions_rate_limit_rejections", StringComparison.Ordinal))
        {
            using var response = await app.Rest(key: null).GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            await Task.Delay(200);
        }

        Assert.Matches(@"(?m)^http_server_request_duration_seconds_count\{.*http_route=""/v2/ai/missions"".*\} [1-9]", text);
        Assert.Matches(@"(?m)^missions_storage_writes(_total)?\{.*operation=""CreateMission"".*outcome=""committed"".*\} [1-9]", text);
        Assert.Matches(@"(?m)^missions_storage_batch_size(_writes)?_count\{.*backend=""litedb"".*\} [1-9]", text);
        Assert.Matches(@"(?m)^missions_storage_commit_duration_seconds_count\{.*\} [1-9]", text);
        Assert.Matches(@"(?m)^missions_storage_queue_depth\{.*\} [0-9]", text);
        Assert.Matches(@"(?m)^missions_rate_limit_rejections(_requests)?(_total)?\{.*face=""rest"".*\} [1-9]", text);
        // Exported. Its value is asserted per host below (Each_host_counts_its_own_calls_exactly): OpenTelemetry's meter
        // provider subscribes to meters by name, process-wide, so a scrape here also sums the test hosts running beside
        // this one. One host per process in production.
        Assert.Matches(@"(?m)^missions_watch_streams\{.*\} -?[0-9]", text);
        Assert.Matches(@"(?m)^missions_validation_failures_total\{.*type=""CreateMissionRequest"".*\} [1-9]", text);
        // No label value is an id, a key or an organization.
        Assert.DoesNotContain(missionId, text);
        Assert.DoesNotContain(runId, text);
        Assert.DoesNotContain(TestKeys.KeyA, text);
        Assert.DoesNotContain(TestKeys.OrgA, text);
        // (target_info describes the process itself: its service.instance.id is one per process, not a label of a series.)
        var series = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("target_info", StringComparison.Ordinal)));
        Assert.DoesNotMatch(new Regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), series);
    }

    [Fact]
    public async Task Each_host_counts_its_own_calls_exactly()
    {
        using var app = new MissionsApp();
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var writes = new MetricCollector<long>(meters, StorageTelemetry.Name, "missions.storage.writes");
        using var batches = new MetricCollector<int>(meters, StorageTelemetry.Name, "missions.storage.batch.size");
        using var queued = new MetricCollector<long>(meters, StorageTelemetry.Name, "missions.storage.queue.depth");
        using var watches = new MetricCollector<long>(meters, ApiTelemetry.Name, "missions.watch.streams");
        using var invalid = new MetricCollector<long>(meters, ApiTelemetry.Name, "missions.validation.failures");
        using var replays = new MetricCollector<long>(meters, ApiTelemetry.Name, "missions.idempotency.replays");
        using var beside = new MissionsApp(); // another host in this process: what it does is not counted here
        var other = beside.Rest();
        await other.NewRunAsync();
        await other.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":5}""");

        var rest = app.Rest();
        var (runPath, _, _) = await rest.NewRunAsync();
        var (status, _, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":5}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        for (var i = 0; i < 2; i++)
        {
            var (keyed, _, _) = await rest.SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"keyed"}""", "telemetry-key");
            Assert.Equal(HttpStatusCode.Created, keyed);
        }
        using (var watch = await rest.GetAsync(runPath + "/watch", HttpCompletionOption.ResponseHeadersRead))
        {
            using var lines = new StreamReader(await watch.Content.ReadAsStreamAsync());
            Assert.NotNull(await lines.ReadLineAsync()); // its handler runs: the stream is open
            Assert.Equal(1, watches.GetMeasurementSnapshot().Sum(m => m.Value));
        }

        // The run's mission and both keyed creates: a replay is a write command too, answered in the pipeline from the
        // key's record (decided there, where a concurrent twin would be seen).
        Assert.Equal(3, Sum(writes, "CreateMission", "committed"));
        Assert.Equal(1, Sum(writes, "CreateRun", "committed"));
        Assert.Equal(0, writes.GetMeasurementSnapshot().Where(m => !Equals(m.Tags["outcome"], "committed")).Sum(m => m.Value));
        Assert.Equal(writes.GetMeasurementSnapshot().EvaluateAsCounter(), batches.GetMeasurementSnapshot().Sum(m => m.Value)); // every committed write in one batch
        queued.RecordObservableInstruments();
        Assert.Equal(0, queued.LastMeasurement!.Value);
        var failure = Assert.Single(invalid.GetMeasurementSnapshot());
        Assert.Equal((1, "CreateMissionRequest"), (failure.Value, failure.Tags["type"]));
        Assert.Equal(1, replays.GetMeasurementSnapshot().EvaluateAsCounter());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (watches.GetMeasurementSnapshot().Sum(m => m.Value) != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20); // the server sees the client go away a moment later
        }
        Assert.Equal([1, -1], watches.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public async Task Rate_limit_rejections_are_counted_exactly_by_face()
    {
        using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["RateLimiting:Enabled"] = "true", ["RateLimiting:TokenLimit"] = "2", ["RateLimiting:TokensPerPeriod"] = "1", ["RateLimiting:ReplenishmentSeconds"] = "600" });
        using var rejections = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), ApiTelemetry.Name, "missions.rate_limit.rejections");
        var rest = app.Rest();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await rest.SendAsync(HttpMethod.Get, RestCalls.Missions)).Status);
        }
        var grpc = await Assert.ThrowsAsync<RpcException>(async () =>
            await new MissionsService.MissionsServiceClient(app.GrpcChannel()).ListMissionsAsync(new ListMissionsRequest(), GrpcCalls.Key()));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(global::Grpc.Core.StatusCode.ResourceExhausted, grpc.StatusCode);
        var counted = rejections.GetMeasurementSnapshot();
        Assert.Equal(3, counted.Where(m => Equals(m.Tags["face"], "rest")).Sum(m => m.Value));
        Assert.Equal(1, counted.Where(m => Equals(m.Tags["face"], "grpc")).Sum(m => m.Value));
    }

    private static long Sum(MetricCollector<long> writes, string operation, string outcome) => writes.GetMeasurementSnapshot()
        .Where(m => Equals(m.Tags["operation"], operation) && Equals(m.Tags["outcome"], outcome)).Sum(m => m.Value);

    [Fact]
    public async Task Metrics_can_be_turned_off_or_served_only_on_their_own_port()
    {
        using (var off = new MissionsApp(settings: new Dictionary<string, string?> { ["Telemetry:MetricsEnabled"] = "false" }))
        {
            using var response = await off.Rest(key: null).GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using var moved = new MissionsApp(settings: new Dictionary<string, string?> { ["Telemetry:MetricsPort"] = "9464" });
        // Decided by the port the connection arrived on, not by the Host header the caller writes.
        Assert.Equal(HttpStatusCode.NotFound, (await SendOnPortAsync(moved, 5000, "/metrics", host: "127.0.0.1:9464")).Status);
        var (status, body) = await SendOnPortAsync(moved, 9464, "/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("# TYPE", body);
        // The metrics port serves nothing else, before authentication; the API's port still serves the API.
        Assert.Equal(HttpStatusCode.NotFound, (await SendOnPortAsync(moved, 9464, RestCalls.Missions, key: TestKeys.KeyA)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendOnPortAsync(moved, 9464, "/healthz")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendOnPortAsync(moved, 5000, RestCalls.Missions, key: TestKeys.KeyA)).Status);
    }

    /// <summary>A GET as if its connection had arrived on local port <paramref name="port"/>.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> SendOnPortAsync(MissionsApp app, int port, string path, string? host = null, string? key = null)
    {
        var answered = await app.Server.SendAsync(context =>
        {
            context.Connection.LocalPort = port;
            context.Request.Method = "GET";
            context.Request.Path = path;
            context.Request.Host = new HostString(host ?? $"localhost:{port}");
            if (key is not null)
            {
                context.Request.Headers.Authorization = $"Bearer {key}";
            }
        });
        return ((HttpStatusCode)answered.Response.StatusCode, await new StreamReader(answered.Response.Body).ReadToEndAsync());
    }

    /// <summary>
    /// The spans exported so far. The in-memory exporter appends on whichever thread ends a span, under no lock a test can
    /// share, so enumerating the list while a late span ends threw "Collection was modified" (seen): <c>ToArray</c> copies
    /// without the enumerator's check, and a slot counted but not yet written reads as null and is left out.
    /// </summary>
    private static List<Activity> Snapshot(List<Activity> spans) => spans.ToArray().Where(s => s is not null).ToList();

    private static async Task<List<Activity>> WaitForAsync(List<Activity> spans, Func<Activity, bool> match, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var found = Snapshot(spans).Where(match).ToList();
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                return found;
            }
            await Task.Delay(50);
        }
    }
}
