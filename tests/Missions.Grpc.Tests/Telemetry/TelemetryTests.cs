using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
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
        // Exported, whatever its value: the instrument is static, so this host also counts the watches of the test hosts
        // running beside it in this process, and one opened before this host's meter provider listened and closed after
        // shows here as -1 (seen). One host per process in production, where the value is the open streams.
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
    public async Task Metrics_can_be_turned_off_or_served_only_on_their_own_port()
    {
        using (var off = new MissionsApp(settings: new Dictionary<string, string?> { ["Telemetry:MetricsEnabled"] = "false" }))
        {
            using var response = await off.Rest(key: null).GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using var moved = new MissionsApp(settings: new Dictionary<string, string?> { ["Telemetry:MetricsPort"] = "9464" });
        using (var api = await moved.Rest(key: null).GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.NotFound, api.StatusCode); // not on the API's endpoint
        }
        using var own = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        own.Headers.Host = "localhost:9464";
        using var scraped = await moved.Rest(key: null).SendAsync(own);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("# TYPE", await scraped.Content.ReadAsStringAsync());
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
