using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Processes;

/// <summary>
/// HTTPS configured the standard Kestrel way on the real server: one endpoint serving REST (HTTP/1.1 and HTTP/2) and gRPC
/// through ALPN, the official SDK over it, and client certificates required and checked against the operator's CA (mTLS).
/// Every certificate is the test's own (<see cref="TestCertificates"/>); clients trust that CA and nothing else.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class TlsTests
{
    private static readonly Version[] RestVersions = [HttpVersion.Version11, HttpVersion.Version20];

    [Fact]
    public async Task Rest_is_served_over_https_with_http1_and_http2_negotiated_on_one_endpoint_and_still_needs_a_key()
    {
        using var db = new TempDatabase();
        using var certificates = new TestCertificates();
        var url = HttpsUrl();
        await using var server = await ServerProcess.StartAsync(db, settings: certificates.HttpsEndpoint(url));

        foreach (var version in RestVersions)
        {
            using var client = Rest(certificates, url, version);
            var (status, json, response) = await client.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"over HTTP/{{version}}"}""");
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(version, response.Version);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal($"over HTTP/{version}", (string?)json!["data"]!["name"]);

            // TLS authenticates nothing here: the key still picks the organization.
            client.DefaultRequestHeaders.Authorization = null;
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, RestCalls.Missions)).Status);
        }
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Grpc_is_served_over_tls_by_the_endpoint_that_serves_rest()
    {
        using var db = new TempDatabase();
        using var certificates = new TestCertificates();
        var url = HttpsUrl();
        await using var server = await ServerProcess.StartAsync(db, settings: certificates.HttpsEndpoint(url));

        using var channel = Grpc(certificates, url);
        var created = await new MissionsService.MissionsServiceClient(channel).CreateMissionAsync(
            new CreateMissionRequest { Name = "over gRPC with TLS" }, GrpcCalls.Key(), GrpcCalls.Deadline);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: GrpcCalls.Deadline);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        using var rest = Rest(certificates, url, HttpVersion.Version11);
        var (status, json, _) = await rest.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{created.Data.MissionId}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("over gRPC with TLS", (string?)json!["data"]!["name"]);
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task The_official_sdk_works_over_https_trusting_the_ca_node_is_given()
    {
        using var db = new TempDatabase();
        using var certificates = new TestCertificates();
        var url = HttpsUrl();
        await using var server = await ServerProcess.StartAsync(db, settings: certificates.HttpsEndpoint(url));

        var result = await TelnyxSdkTests.RunHarnessAsync("create-mission.mjs", url,
            new() { ["NODE_EXTRA_CA_CERTS"] = certificates.AuthorityPem });

        Assert.Equal("sdk-full", (string?)result["full"]!["data"]!["name"]);
        Assert.Equal("external", (string?)result["minimal"]!["data"]!["execution_mode"]);
        Assert.Equal(422, (int)result["invalid"]!["status"]!);
        Assert.Equal(401, (int)result["unauthorized"]!["status"]!);
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task With_client_certificates_required_only_a_certificate_of_the_configured_ca_gets_a_connection()
    {
        using var db = new TempDatabase();
        using var certificates = new TestCertificates();
        var url = HttpsUrl();
        var settings = certificates.HttpsEndpoint(url, clientCertificateMode: "RequireCertificate");
        settings["Tls:ClientCertificateAuthorities"] = certificates.AuthorityPem;
        await using var server = await ServerProcess.StartAsync(db, settings: settings);

        // No certificate, or a self-signed one the CA did not issue: the handshake fails, over REST and gRPC alike.
        foreach (var refused in new[] { null, certificates.Stranger })
        {
            foreach (var version in RestVersions)
            {
                using var client = Rest(certificates, url, version, refused);
                await Assert.ThrowsAsync<HttpRequestException>(() =>
                    client.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"refused"}"""));
            }
            using var channel = Grpc(certificates, url, refused);
            var error = await Assert.ThrowsAsync<RpcException>(() => new MissionsService.MissionsServiceClient(channel)
                .CreateMissionAsync(new CreateMissionRequest { Name = "refused" }, GrpcCalls.Key(), GrpcCalls.Deadline).ResponseAsync);
            // With TLS 1.3 the client learns of the refusal during its handshake or just after, at its HTTP/2 preface:
            // grpc-dotnet says UNAVAILABLE or INTERNAL (the race decides); either way the call never started.
            Assert.True(error.StatusCode is StatusCode.Unavailable or StatusCode.Internal, error.ToString());
            Assert.StartsWith("Error starting gRPC call.", error.Status.Detail);
        }

        // The CA's client certificate: REST over both versions, and gRPC; none of the refused requests was stored.
        using var accepted = Rest(certificates, url, HttpVersion.Version11, certificates.Client);
        Assert.Empty(await ListMissionNamesAsync(accepted));
        foreach (var version in RestVersions)
        {
            using var client = Rest(certificates, url, version, certificates.Client);
            var (status, _, response) = await client.SendAsync(HttpMethod.Post, RestCalls.Missions, $$"""{"name":"HTTP/{{version}}"}""");
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(version, response.Version);
        }
        using (var channel = Grpc(certificates, url, certificates.Client))
        {
            await new MissionsService.MissionsServiceClient(channel).CreateMissionAsync(
                new CreateMissionRequest { Name = "gRPC" }, GrpcCalls.Key(), GrpcCalls.Deadline);
        }
        Assert.Equal(["gRPC", "HTTP/2.0", "HTTP/1.1"], await ListMissionNamesAsync(accepted));

        // The certificate authenticates the connection; the key still picks the organization.
        accepted.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.Unauthorized, (await accepted.SendAsync(HttpMethod.Get, RestCalls.Missions)).Status);
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Without_the_ca_setting_required_client_certificates_answer_to_the_os_trust_store()
    {
        using var db = new TempDatabase();
        using var certificates = new TestCertificates();
        var url = HttpsUrl();
        await using var server = await ServerProcess.StartAsync(db, settings: certificates.HttpsEndpoint(url, clientCertificateMode: "RequireCertificate"));

        // Kestrel's default: the test CA is in no OS trust store, so the certificate it issued is refused.
        using var client = Rest(certificates, url, HttpVersion.Version11, certificates.Client);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(HttpMethod.Get, RestCalls.Missions));
    }

    [Theory]
    [InlineData("missing.pem", "Could not find file")]
    [InlineData("server.key", "holds no PEM certificate")]
    public async Task An_unusable_ca_file_stops_the_start_in_one_line(string file, string reason)
    {
        using var db = new TempDatabase();
        using var certificates = new TestCertificates();
        await using var server = await ServerProcess.StartAsync(db, waitUntilHealthy: false, settings: new Dictionary<string, string>
        {
            ["Tls:ClientCertificateAuthorities"] = Path.Combine(certificates.Directory, file),
        });

        Assert.Equal(1, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            l => l.StartsWith("Missions.Grpc cannot start:", StringComparison.Ordinal));
        Assert.Contains("Tls:ClientCertificateAuthorities", line);
        Assert.Contains(reason, line);
        Assert.DoesNotContain("   at ", server.Output);
    }

    private static string HttpsUrl() => $"https://127.0.0.1:{LoopbackPorts.Next()}";

    /// <summary>A REST client of <paramref name="url"/> speaking exactly HTTP <paramref name="version"/>, with key A.</summary>
    private static HttpClient Rest(TestCertificates certificates, string url, Version version, X509Certificate2? clientCertificate = null) =>
        new(certificates.Handler(clientCertificate))
        {
            BaseAddress = new Uri(url),
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.KeyA) },
        };

    private static GrpcChannel Grpc(TestCertificates certificates, string url, X509Certificate2? clientCertificate = null) =>
        GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = certificates.Handler(clientCertificate) });

    private static async Task<List<string>> ListMissionNamesAsync(HttpClient client)
    {
        var (status, json, _) = await client.SendAsync(HttpMethod.Get, RestCalls.Missions);
        Assert.Equal(HttpStatusCode.OK, status);
        return json!["data"]!.AsArray().Select(m => (string)m!["name"]!).ToList();
    }
}
