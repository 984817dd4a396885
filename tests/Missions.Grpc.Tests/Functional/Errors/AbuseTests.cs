using System.Net;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Errors;

/// <summary>Abuse: per-key rate limits (429 with Retry-After, RESOURCE_EXHAUSTED), keys kept out of logs.</summary>
public sealed class AbuseTests
{
    private static Dictionary<string, string?> Limited(int burst) => new()
    {
        ["RateLimiting:Enabled"] = "true",
        ["RateLimiting:TokenLimit"] = burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimiting:TokensPerPeriod"] = "1",
        ["RateLimiting:ReplenishmentSeconds"] = "60",
    };

    [Fact]
    public async Task A_key_over_its_budget_gets_429_with_retry_after_and_other_keys_do_not()
    {
        await using var app = new MissionsApp(settings: Limited(burst: 3));
        var a = app.Rest(TestKeys.KeyA);
        var b = app.Rest(TestKeys.KeyB);

        var allowed = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            allowed.Add((await a.SendAsync(HttpMethod.Get, RestCalls.Missions)).Status);
        }
        var (status, json, response) = await a.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"over budget"}""");
        var otherKey = await b.SendAsync(HttpMethod.Get, RestCalls.Missions);
        var health = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => app.Rest(key: null).GetAsync("/healthz")));

        Assert.All(allowed, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        var retryAfter = int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(["detail"], json.Keys());
        Assert.Equal($"Rate limit exceeded for this API key: retry after {retryAfter} s", (string?)json!["detail"]);
        Assert.Equal(HttpStatusCode.OK, otherKey.Status);
        Assert.All(health, h => Assert.Equal(HttpStatusCode.OK, h.StatusCode)); // unauthenticated endpoints are not limited
        var (_, list, _) = await b.SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.Equal(0, (int)list!["meta"]!["total_results"]!); // the refused create stored nothing
    }

    [Fact]
    public async Task A_grpc_caller_over_its_budget_gets_resource_exhausted_with_retry_after()
    {
        await using var app = new MissionsApp(settings: Limited(burst: 2));
        var client = app.Grpc();
        await client.ListMissionsAsync(new ListMissionsRequest(), Key(), Deadline);
        await client.ListMissionsAsync(new ListMissionsRequest(), Key(), Deadline);

        var call = client.ListMissionsAsync(new ListMissionsRequest(), Key(), Deadline);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.StartsWith("Rate limit exceeded for this API key", error.Status.Detail);
        Assert.NotNull(error.Trailers.GetValue("retry-after"));
    }

    [Theory]
    [InlineData("Development", false)]
    [InlineData("Production", true)]
    public void Rate_limiting_is_off_in_development_and_on_elsewhere_by_default(string environment, bool enabled)
    {
        var folder = Path.Combine(ServerProcess.RepoRoot, "src", "Missions.Grpc");
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(folder, "appsettings.json"))
            .AddJsonFile(Path.Combine(folder, $"appsettings.{environment}.json"), optional: true)
            .Build();

        Assert.Equal(enabled, configuration.GetValue<bool>("RateLimiting:Enabled"));
    }

    [Fact]
    public async Task Api_keys_never_reach_the_logs()
    {
        const string wrongKey = "wrong-key-9f1c2d3e4b5a";
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" });
        var rest = app.Rest();
        await rest.NewRunAsync();
        await app.Rest(wrongKey).SendAsync(HttpMethod.Get, RestCalls.Missions);
        await app.Rest(key: null).SendAsync(HttpMethod.Get, RestCalls.Missions);
        await app.Grpc().ListMissionsAsync(new ListMissionsRequest(), Key(), Deadline);
        await Assert.ThrowsAsync<RpcException>(() => app.Grpc().ListMissionsAsync(new ListMissionsRequest(), Key(wrongKey), Deadline).ResponseAsync);

        Assert.NotEmpty(app.Logs.All); // the host logged, at every level
        Assert.DoesNotContain(app.Logs.All, entry => entry.Contains(TestKeys.KeyA, StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.All, entry => entry.Contains(wrongKey, StringComparison.Ordinal));
    }
}
