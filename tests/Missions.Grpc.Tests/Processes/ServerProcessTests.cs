using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.LiteDb;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Processes;

/// <summary>The real server process over real sockets: both endpoints, crashes, start-up guards.</summary>
[Collection(ServerProcessCollection.Name)]
public sealed class ServerProcessTests
{
    private static HttpClient Rest(ServerProcess server, string key = TestKeys.KeyA) => new()
    {
        BaseAddress = new Uri(server.RestUrl),
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
    };

    [Fact]
    public async Task Ids_holding_a_slash_or_a_percent_sign_are_addressable_as_the_sdk_encodes_them()
    {
        // Kestrel's routing leaves %2F escaped in route values (and unescapes %25), which made "a/b" and
        // "a%2Fb" one address; the raw request target tells them apart. (The in-memory test host has no raw target.)
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db.Path);
        var client = Rest(server);
        var (run, _, _) = await client.NewRunAsync();
        await client.SendAsync(HttpMethod.Post, $"{run}/plan",
            """{"steps":[{"step_id":"a/b","description":"slash","sequence":0},{"step_id":"a%2Fb","description":"percent","sequence":1}]}""");
        await client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", """{"telnyx_agent_id":"agents/7"}""");

        var slash = await client.SendAsync(HttpMethod.Get, $"{run}/plan/steps/{Uri.EscapeDataString("a/b")}");
        var percent = await client.SendAsync(HttpMethod.Get, $"{run}/plan/steps/{Uri.EscapeDataString("a%2Fb")}");
        var patched = await client.SendAsync(HttpMethod.Patch, $"{run}/plan/steps/{Uri.EscapeDataString("a/b")}", """{"status":"skipped"}""");
        var unlinked = await client.SendAsync(HttpMethod.Delete, $"{run}/telnyx-agents/{Uri.EscapeDataString("agents/7")}");

        Assert.Equal("slash", (string?)slash.Json!["data"]!["description"]);
        Assert.Equal("percent", (string?)percent.Json!["data"]!["description"]);
        Assert.Equal(("a/b", "skipped"), ((string)patched.Json!["data"]!["step_id"]!, (string)patched.Json!["data"]!["status"]!));
        Assert.Equal(HttpStatusCode.NoContent, unlinked.Status);

        // Dot segments, which Kestrel removes before routing, must not retarget a request to the parent.
        var (mission, missionId, _) = (run, run.Split('/')[4], 0);
        foreach (var target in new[] { $"/v2/ai/missions/{missionId}/tools/%2E%2E", $"/v2/ai/missions/{missionId}/tools/..", $"/v2/ai/missions/{missionId}/tools/%2e" })
        {
            using var raw = new System.Net.Sockets.TcpClient();
            await raw.ConnectAsync(new Uri(server.RestUrl).Host, new Uri(server.RestUrl).Port);
            await using var stream = raw.GetStream();
            var request = $"DELETE {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TestKeys.KeyA}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
            var answer = await new StreamReader(stream).ReadToEndAsync();
            Assert.Matches("^HTTP/1.1 40[45] ", answer); // 404 from the API, or routing's 405: never the parent's 204
        }
        var (stillThere, _, _) = await client.SendAsync(HttpMethod.Get, $"/v2/ai/missions/{missionId}");
        Assert.Equal(HttpStatusCode.OK, stillThere);
        _ = mission;
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Rest_and_grpc_endpoints_serve_over_sockets()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db.Path);

        var (status, json, response) = await Rest(server).PostAsync("/v2/ai/missions", """{"name":"over sockets"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("over sockets", (string?)json!["data"]!["name"]);
        Assert.False(response.Headers.Contains("Server")); // Kestrel's banner is off
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        using var channel = GrpcChannel.ForAddress(server.GrpcUrl);
        var client = new MissionsService.MissionsServiceClient(channel);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var created = await client.CreateMissionAsync(
            new CreateMissionRequest { Name = "over h2c", Metadata = Struct.Parser.ParseJson("""{"a":1}""") },
            new Metadata { { "authorization", $"Bearer {TestKeys.KeyA}" } }, deadline);
        Assert.Equal("over h2c", created.Data.Name);

        var unauthenticated = await Assert.ThrowsAsync<RpcException>(() =>
            client.CreateMissionAsync(new CreateMissionRequest { Name = "x" }, deadline: deadline).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);

        // Health and reflection need no key (grpcurl / buf curl list methods without one).
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: deadline);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(deadline: deadline);
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        Assert.True(await reflection.ResponseStream.MoveNext());
        Assert.Contains("missions.v1.MissionsService",
            reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
        await reflection.RequestStream.CompleteAsync();

        // REST also answers on the gRPC endpoint over HTTP/2 (prior knowledge).
        using var h2 = new HttpClient { BaseAddress = new Uri(server.GrpcUrl), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        h2.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA);
        var overH2 = await h2.PostAsync("/v2/ai/missions", Json.Body("""{"name":"rest over h2"}"""));
        Assert.Equal(HttpStatusCode.Created, overH2.StatusCode);

        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_body_is_not_a_server_error()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db.Path);
        var uri = new Uri(server.RestUrl);

        for (var i = 0; i < 5; i++)
        {
            using var socket = new System.Net.Sockets.TcpClient();
            await socket.ConnectAsync(uri.Host, uri.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
                $"POST /v2/ai/missions HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer {TestKeys.KeyA}\r\n" +
                "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":"));
            await stream.FlushAsync();
            await Task.Delay(50);
        } // closed with 90 bytes of the body never sent
        var (status, _, _) = await Rest(server).PostAsync("/v2/ai/missions", """{"name":"after"}""");

        Assert.Equal(HttpStatusCode.Created, status);
        await Task.Delay(500);
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Acknowledged_creates_survive_a_killed_process()
    {
        using var db = new TempDatabase();
        var acknowledged = new List<Guid>();
        await using (var server = await ServerProcess.StartAsync(db.Path))
        {
            var client = Rest(server);
            var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
                client.PostAsync("/v2/ai/missions", $$"""{"name":"crash-{{i}}"}""")));
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.Status));
            acknowledged.AddRange(responses.Select(r => Guid.Parse((string)r.Json!["data"]!["mission_id"]!)));
            await server.KillAsync(); // SIGKILL right after the last acknowledgement
        }

        // Restart on the same file: the server starts, and every acknowledged mission is there.
        await using (var restarted = await ServerProcess.StartAsync(db.Path))
        {
            var (status, _, _) = await Rest(restarted).PostAsync("/v2/ai/missions", """{"name":"after restart"}""");
            Assert.Equal(HttpStatusCode.Created, status);
            await restarted.KillAsync();
        }
        using var store = new LiteDbBackend(
            Options.Create(new StorageOptions { LiteDb = new LiteDbOptions { Path = db.Path } }),
            NullLogger<LiteDbBackend>.Instance).Opened();
        foreach (var id in acknowledged)
        {
            await store.Missions.GetMissionAsync(TestKeys.OrgA, id); // throws when missing
        }
    }

    [Fact]
    public async Task Outside_development_the_server_refuses_to_start_without_keys()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db.Path, withKeys: false, waitUntilHealthy: false);

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("No API keys are configured", server.Output);
        Assert.Contains("Auth__ApiKeys__0__Key", server.Output);
    }

    [Fact]
    public async Task A_second_server_on_the_same_file_fails_at_start_with_a_clear_message()
    {
        using var db = new TempDatabase();
        await using var first = await ServerProcess.StartAsync(db.Path);
        await using var second = await ServerProcess.StartAsync(db.Path, waitUntilHealthy: false);

        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("in use by another process", second.Output);
        Assert.False(first.HasExited);
    }
}
