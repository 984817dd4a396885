using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Answers;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Answers;

/// <summary>
/// Large answers (a page of more than <c>Answers:LargePageSize</c> items, a whole plan) are built and written at most
/// <c>Answers:MaxConcurrentLarge</c> at a time, on both faces; small ones never wait.
/// </summary>
public sealed class LargeAnswerTests
{
    [Fact]
    public async Task A_large_page_waits_for_a_slot_while_a_small_one_does_not()
    {
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Answers:MaxConcurrentLarge"] = "1" });
        var rest = app.Rest();
        var (runPath, _, _) = await rest.NewRunAsync();
        var slots = app.Services.GetRequiredService<LargeAnswerSlots>();

        var held = await slots.TakeAsync("another key", CancellationToken.None); // the only slot, as a large answer in progress would hold it
        var largeRest = rest.SendAsync(HttpMethod.Get, RestCalls.Missions + "?page[size]=1000");
        var largeGrpc = app.Grpc().ListMissionsAsync(new ListMissionsRequest { Page = new PageRequest { Size = 500 } }, Key(), Deadline).ResponseAsync;
        var plan = rest.SendAsync(HttpMethod.Get, runPath + "/plan");
        Assert.Equal(HttpStatusCode.OK, (await rest.SendAsync(HttpMethod.Get, RestCalls.Missions + "?page[size]=100")).Status); // not large
        await Task.Delay(300);
        Assert.False(largeRest.IsCompleted);
        Assert.False(largeGrpc.IsCompleted);
        Assert.False(plan.IsCompleted);

        held.Dispose();
        Assert.Equal(HttpStatusCode.OK, (await largeRest.WaitAsync(TimeSpan.FromSeconds(10))).Status);
        Assert.Single((await largeGrpc.WaitAsync(TimeSpan.FromSeconds(10))).Data);
        Assert.Equal(HttpStatusCode.OK, (await plan.WaitAsync(TimeSpan.FromSeconds(10))).Status);
        // Every slot came back once its answer was written: the only one can be taken again at once.
        using var again = await slots.TakeAsync("another key", new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
    }

    [Fact]
    public async Task One_key_holds_at_most_its_share_of_the_slots_and_another_key_is_not_kept_waiting()
    {
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Answers:MaxConcurrentLarge"] = "3", ["Answers:MaxConcurrentLargePerKey"] = "1" });
        var keyA = CallerKeyId(app, TestKeys.KeyA);
        var slots = app.Services.GetRequiredService<LargeAnswerSlots>();
        var held = await slots.TakeAsync(keyA, CancellationToken.None); // key A's one slot, as its large answer in progress would hold it

        var waiting = app.Rest().SendAsync(HttpMethod.Get, RestCalls.Missions + "?page[size]=1000");
        Assert.Equal(HttpStatusCode.OK, (await app.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Get, RestCalls.Missions + "?page[size]=1000")).Status);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted); // key A waits for its own slot, with two of the server's free

        held.Dispose();
        Assert.Equal(HttpStatusCode.OK, (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Status);
    }

    /// <summary>The key id the server gives <paramref name="key"/> (its claims, as the authentication handler issues them).</summary>
    private static string CallerKeyId(MissionsApp app, string key) =>
        app.Services.GetRequiredService<Missions.Grpc.Auth.ApiKeyAuthenticator>().Authenticate(key)!.KeyId;
}
