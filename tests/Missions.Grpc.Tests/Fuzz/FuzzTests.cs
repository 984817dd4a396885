using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using CsCheck;
using Google.Api;
using Missions.Grpc.Protocol;
using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of every route, REST and gRPC, enumerated from the running app (transcoded
/// endpoints) and from the API's service descriptors, so a new route is fuzzed without touching this file.
/// Requests are random or mutated (path values, query strings, bodies, headers, protobuf bytes); ids of a
/// real mission, run, step, event, agent link and attachments (the fixture, recreated after a successful
/// delete) are mixed in so the deep handlers run. Properties: no 5xx and no INTERNAL/UNKNOWN, no error log,
/// every 4xx body of the documented shape, every 2xx body a JSON object with "data" (204: empty), and the
/// server still answers afterwards. A failure prints CsCheck's seed (set CsCheck_Seed to replay) and
/// every failing request with its response and the server's error log. For triage, FUZZ_COLLECT=1 records
/// every failing case without letting CsCheck shrink (so all distinct defects show up in one run), and
/// FUZZ_DUMP=path writes all of them to a file.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int RestIterations = 5000;
    private const int GrpcIterations = 2000;
    private const int RawGrpcIterations = 400;

    [Fact]
    public async Task Every_route_answers_random_and_mutated_requests_within_the_contract()
    {
        var clock = Stopwatch.StartNew();
        // Random credentials are part of the fuzz: the failed-authentication throttle (its own tests) must not end it.
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Auth:MaxFailedAttemptsPerMinute"] = "1000000" });
        using var rest = app.Rest(key: null);
        using var channel = app.GrpcChannel();
        var invoker = channel.CreateCallInvoker();
        using var raw = new HttpClient(app.Server.CreateHandler()) { BaseAddress = app.Server.BaseAddress, Timeout = FuzzRunner.CallTimeout };
        var run = new FuzzRunner(app, rest, invoker, raw);
        run.Fixture = await run.NewFixtureAsync();

        var routes = FuzzRoute.Of(app);
        var methods = ApiContract.Services.SelectMany(s => s.Methods).ToList();
        var declared = methods.Sum(m => m.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is { } rule ? 1 + rule.AdditionalBindings.Count : 0);
        Assert.Equal(declared, routes.Count); // every HTTP rule of the contract is served and fuzzed
        Assert.True(routes.Count >= 41, $"only {routes.Count} transcoded routes found");

        // Each phase runs even when another failed; CsCheck's message names its seed and smallest failing case.
        var failed = false;
        foreach (var phase in new Func<Task>[]
        {
            () => RestCase.Cases(routes).SampleAsync(run.RestAsync, iter: RestIterations, threads: 1, print: c => c.ToString()),
            () => GrpcCase.Cases(methods).SampleAsync(run.GrpcAsync, iter: GrpcIterations, threads: 1, print: c => c.ToString()),
            () => RawGrpcCase.Cases(methods).SampleAsync(run.RawGrpcAsync, iter: RawGrpcIterations, threads: 1, print: c => c.ToString()),
        })
        {
            try
            {
                await phase();
            }
            catch (Exception error)
            {
                failed = true;
                output.WriteLine(error.Message);
            }
        }

        // Still alive: a valid create answers 201 on REST and OK on gRPC.
        rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA);
        var (status, json, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"after the fuzz"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("after the fuzz", (string?)json!["data"]!["name"]);
        var created = await app.Grpc().CreateMissionAsync(new V1.CreateMissionRequest { Name = "after the fuzz" }, GrpcCalls.Key(), GrpcCalls.Deadline);
        Assert.Equal("after the fuzz", created.Data.Name);

        output.WriteLine($"Fuzz: {run.RestCases} REST cases, {run.GrpcCases} gRPC cases, {run.Failures.Count} failures " +
            $"({routes.Count} REST routes, {methods.Count} gRPC methods, {run.Fixtures} fixtures, {run.Skipped} skipped, {clock.Elapsed.TotalSeconds:F1}s)");
        output.WriteLine("REST statuses: " + string.Join(", ", run.Statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        output.WriteLine("gRPC statuses: " + string.Join(", ", run.GrpcStatuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        if (Environment.GetEnvironmentVariable("FUZZ_DUMP") is { } dump)
        {
            File.WriteAllLines(dump, run.Failures);
        }
        foreach (var failure in run.Failures.Take(30))
        {
            output.WriteLine(failure);
        }
        if (failed || run.Failures.Count > 0)
        {
            app.ErrorLogsExpected = true; // already reported above, request by request
            Assert.Fail($"{run.Failures.Count} failing fuzz cases; first:\n{run.Failures.FirstOrDefault()}");
        }
    }
}
