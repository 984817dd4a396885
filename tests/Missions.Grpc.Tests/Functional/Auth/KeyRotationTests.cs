using System.Net;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Functional.Auth;

/// <summary>
/// Keys follow the configuration without a restart: a replaced key is refused from then on and its open watch streams
/// end within a second (gRPC UNAUTHENTICATED); the new key works at once; a configuration that is not valid is refused
/// and the keys in use stay.
/// </summary>
public sealed class KeyRotationTests
{
    private const string RotatedKeyB = "rotated-key-org-b-0123456789";

    [Fact]
    public async Task A_removed_key_is_refused_and_its_watch_streams_end_while_the_new_key_works()
    {
        await using var app = new MissionsApp();
        var old = app.Rest(TestKeys.KeyB);
        var (runPath, missionId, runId) = await old.NewRunAsync();
        using var grpcWatch = new RunWatchService.RunWatchServiceClient(app.GrpcChannel())
            .WatchRun(new WatchRunRequest { MissionId = missionId, RunId = runId }, GrpcCalls.Key(TestKeys.KeyB), DateTime.UtcNow.AddSeconds(60));
        Assert.True(await grpcWatch.ResponseStream.MoveNext()); // open
        using var restWatch = await old.GetAsync(runPath + "/watch", HttpCompletionOption.ResponseHeadersRead);
        var lines = new StreamReader(await restWatch.Content.ReadAsStreamAsync());
        Assert.NotNull(await lines.ReadLineAsync()); // open

        app.Reconfigure(("Auth:ApiKeys:1:KeySha256", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(RotatedKeyB)))));

        var ended = await Assert.ThrowsAsync<RpcException>(() => grpcWatch.ResponseStream.MoveNext().WaitAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
        Assert.Equal("The API key was revoked", ended.Status.Detail);
        await lines.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(1)); // the REST stream ends too
        var (refused, body, _) = await old.SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.Equal("Invalid API key", (string?)body!["detail"]);
        var (status, json, _) = await app.Rest(RotatedKeyB).SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}");
        Assert.Equal(HttpStatusCode.OK, status); // the same organization's data, under its new key
        Assert.Equal(missionId, (string?)json!["data"]!["mission_id"]);
    }

    [Fact]
    public async Task A_configuration_that_is_not_valid_is_refused_and_the_keys_in_use_stay()
    {
        await using var app = new MissionsApp();
        app.ErrorLogsExpected = true;

        app.Reconfigure(("Auth:ApiKeys:0:Key", "short")); // shorter than 16 characters outside Development

        var (okStatus, okBody, _) = await app.Rest(TestKeys.KeyA).SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.True(okStatus == HttpStatusCode.OK, okBody?.ToJsonString() + string.Join("\n", app.Logs.Errors));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Rest("short").SendAsync(HttpMethod.Get, RestCalls.Missions)).Status);
        var error = Assert.Single(app.Logs.Errors);
        Assert.Contains("API keys not reloaded, the keys in use stay: Auth:ApiKeys:0:Key is shorter than 16 characters", error);
    }
}
