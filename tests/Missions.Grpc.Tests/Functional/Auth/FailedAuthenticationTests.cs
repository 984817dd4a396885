using System.Net;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Functional.Auth;

/// <summary>
/// Failed authentications are throttled per client address (<c>Auth:MaxFailedAttemptsPerMinute</c>): past the limit, a
/// request with credentials is refused with 429 / RESOURCE_EXHAUSTED and <c>Retry-After</c> before its key is looked at,
/// until the minute ends; the failures are logged as one Warning line per address and minute, not a line per request.
/// </summary>
public sealed class FailedAuthenticationTests
{
    [Fact]
    public async Task Past_the_limit_an_address_is_refused_until_its_minute_ends_and_is_reported_in_one_line()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var app = new MissionsApp(
            settings: new Dictionary<string, string?> { ["Auth:MaxFailedAttemptsPerMinute"] = "5" },
            services: s => s.AddSingleton<TimeProvider>(clock));
        var wrong = app.Rest("wrong-key-0123456789");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.SendAsync(HttpMethod.Get, RestCalls.Missions)).Status);
        }

        var (status, body, response) = await wrong.SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("60", response.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Too many failed authentications", (string?)body!["detail"]);
        // Before any key work: a valid key from the same address waits too, on either face; a request without credentials is not throttled.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await app.Rest().SendAsync(HttpMethod.Get, RestCalls.Missions)).Status);
        var grpc = await Assert.ThrowsAsync<RpcException>(() => app.Grpc().ListMissionsAsync(new ListMissionsRequest(), GrpcCalls.Key(), GrpcCalls.Deadline).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        Assert.Equal("60", grpc.Trailers.GetValue("retry-after"));
        Assert.True(Lines(app).Count == 0, string.Join("\n", Lines(app))); // nothing logged per request
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Rest(key: null).SendAsync(HttpMethod.Get, RestCalls.Missions)).Status);

        clock.Now += TimeSpan.FromSeconds(61);
        // The minute's line comes within a second of its end, with no further request from the address.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!Lines(app).Any(l => l.StartsWith("Missions.Grpc.Auth.", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(HttpStatusCode.OK, (await app.Rest().SendAsync(HttpMethod.Get, RestCalls.Missions)).Status); // the minute is over

        var lines = Lines(app);
        Assert.Single(lines, l => l.Contains("HTTP 401", StringComparison.Ordinal)); // the request without credentials: no key was tried
        var summary = Assert.Single(lines, l => l.StartsWith("Missions.Grpc.Auth.", StringComparison.Ordinal));
        Assert.Contains("5 failed authentications from", summary);
        Assert.Contains("3 further requests refused (limit 5 a minute", summary); // the sixth wrong key, the valid key on REST and on gRPC
        Assert.DoesNotContain("wrong-key", summary);
    }

    /// <summary>What the host logged about failed requests and failed authentications.</summary>
    private static List<string> Lines(MissionsApp app) => app.Logs.All
        .Where(l => l.StartsWith("Missions.Grpc.Hosting.FailedRequestLogging", StringComparison.Ordinal) || l.StartsWith("Missions.Grpc.Auth.", StringComparison.Ordinal))
        .ToList();
}
