using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.Webhooks;

namespace Missions.Grpc.Tests.Functional.Webhooks;

/// <summary>
/// The service makes requests to URLs tenants supply: loopback, private, link-local and metadata addresses are refused
/// when an endpoint is stored, and again when a delivery connects (a name that resolves elsewhere by then — DNS
/// rebinding — reaches nothing).
/// </summary>
public sealed class WebhookAddressTests : WebhookAppTest
{
    private readonly FakeDnsResolver _dns;

    public WebhookAddressTests()
        : this(new FakeDnsResolver())
    {
    }

    private WebhookAddressTests(FakeDnsResolver dns)
        : base([("Webhooks:AllowPrivateNetworks", "false")], services => services.AddSingleton<IWebhookDnsResolver>(dns)) =>
        _dns = dns;

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://192.168.0.10/hook")]
    [InlineData("http://172.16.5.4/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://localhost:5000/hook")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    public async Task Private_loopback_link_local_and_metadata_urls_are_refused_at_create(string url)
    {
        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, "/v2/ai/mission-webhooks", $$"""{"url":"{{url}}"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["body", "url"], json!["detail"]![0]!["loc"]!.AsArray().Select(l => (string)l!));
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_private_address_is_refused_at_create_and_on_update()
    {
        _dns.Answer("intranet.example", "10.0.0.7");
        _dns.Answer("public.example", "93.184.216.34");
        var (status, _, _) = await Client.SendAsync(HttpMethod.Post, "/v2/ai/mission-webhooks", """{"url":"https://intranet.example/hook"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);

        var id = await Client.CreateWebhookAsync("https://public.example/hook");
        var (patched, json, _) = await Client.SendAsync(HttpMethod.Patch, $"/v2/ai/mission-webhooks/{id}", """{"url":"https://intranet.example/hook"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, patched);
        Assert.Contains("10.0.0.7", (string)json!["detail"]![0]!["msg"]!);
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_by_the_time_a_delivery_connects_is_refused_and_nothing_reaches_it()
    {
        var port = new Uri(Receiver.Url).Port;
        _dns.Answer("rebind.example", "93.184.216.34");
        var id = await Client.CreateWebhookAsync($"http://rebind.example:{port}/hook");
        _dns.Answer("rebind.example", "127.0.0.1"); // rebinding: the receiver listens there

        await Client.SendAsync(HttpMethod.Post, $"/v2/ai/mission-webhooks/{id}/test");

        var delivery = (await Client.DeliveriesAsync(id, d => (int)d[0]!["attempts"]! >= 1 && d[0]!["last_error"] is not null))[0]!;
        Assert.Contains("refused", (string)delivery["last_error"]!);
        Assert.Null(delivery["last_status_code"]);
        Assert.Empty(Receiver.Requests);
    }
}
