using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.Webhooks;

namespace Missions.Grpc.Tests.Unit.Webhooks;

/// <summary>
/// Webhook requests against a receiver on 127.0.0.1: refused at connect unless private networks are allowed (the
/// address connected is the one checked, so a name rebound to loopback is refused too); otherwise delivered as is,
/// answers read only as far as their excerpt, and no failure thrown.
/// </summary>
public sealed class WebhookHttpTests : IAsyncLifetime
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"event":"run.finished"}""");

    private static readonly Dictionary<string, string> NoHeaders = [];

    private readonly FakeDnsResolver _dns = new();
    private const int BigBodyBytes = 1 << 20;

    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync(AnswerByPathAsync);
        _dns.Answer("receiver.test", "127.0.0.1");
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private Uri Url(string path, string host = "receiver.test") => new($"http://{host}:{_receiver.Port}{path}");

    private WebhookHttp Http(bool allowPrivateNetworks = true, double timeoutSeconds = 10, int excerptLength = 256) =>
        new(Options.Create(new WebhookOptions
        {
            AllowHttp = true,
            AllowPrivateNetworks = allowPrivateNetworks,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            ExcerptLength = excerptLength,
        }), _dns);

    [Fact]
    public async Task A_loopback_address_is_refused_at_connect_and_the_receiver_sees_nothing()
    {
        using var http = Http(allowPrivateNetworks: false);
        var response = await http.PostAsync(Url("/ok", "127.0.0.1"), Body, NoHeaders, default);

        Assert.Null(response.StatusCode);
        Assert.Null(response.Excerpt);
        Assert.StartsWith("the address 127.0.0.1 of host 127.0.0.1 is in a refused range (loopback)", response.Error);
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task A_name_rebound_to_loopback_after_its_check_is_refused_at_connect()
    {
        using var http = Http(allowPrivateNetworks: false);
        var options = new WebhookOptions();
        _dns.Answer("rebind.test", "93.184.216.34");
        Assert.Null(await WebhookAddressPolicy.ResolvedProblemAsync(Url("/ok", "rebind.test"), _dns, options, default));

        _dns.Answer("rebind.test", "127.0.0.1");
        var response = await http.PostAsync(Url("/ok", "rebind.test"), Body, NoHeaders, default);

        Assert.Null(response.StatusCode);
        Assert.StartsWith("the address 127.0.0.1 of host rebind.test is in a refused range (loopback)", response.Error);
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task A_name_with_a_refused_address_among_others_connects_only_to_an_allowed_one()
    {
        // Both refused here (nothing public may be dialled from a test): the message names the first.
        using var http = Http(allowPrivateNetworks: false);
        _dns.Answer("twice.test", "10.0.0.1", "127.0.0.1");
        var response = await http.PostAsync(Url("/ok", "twice.test"), Body, NoHeaders, default);

        Assert.StartsWith("the address 10.0.0.1 of host twice.test is in a refused range (private)", response.Error);
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task A_webhook_is_delivered_with_its_body_and_headers_through_the_resolver()
    {
        using var http = Http();
        var response = await http.PostAsync(Url("/ok"), Body, new Dictionary<string, string>
        {
            [WebhookSigner.SignatureHeader] = "c2lnbmF0dXJl",
            [WebhookSigner.TimestampHeader] = "1700000000",
        }, default);

        Assert.Equal(new WebhookResponse(200, null, "thanks", response.Elapsed), response);
        var received = Assert.Single(_receiver.Requests);
        Assert.Equal("/ok", received.Path);
        Assert.Equal(Body, received.Body);
        Assert.Equal("application/json", received.Headers["content-type"]);
        Assert.Equal(WebhookHttp.UserAgent, received.Headers["user-agent"]);
        Assert.Equal("c2lnbmF0dXJl", received.Headers[WebhookSigner.SignatureHeader]);
        Assert.Equal("1700000000", received.Headers[WebhookSigner.TimestampHeader]);
        Assert.Equal(Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), received.Headers["content-length"]);
        Assert.False(received.Headers.ContainsKey("cookie"));
    }

    [Fact]
    public async Task A_redirect_is_answered_as_is_and_not_followed()
    {
        using var http = Http();
        var response = await http.PostAsync(Url("/redirect"), Body, NoHeaders, default);

        Assert.Equal(302, response.StatusCode);
        Assert.Null(response.Error);
        Assert.Equal("/redirect", Assert.Single(_receiver.Requests).Path);
    }

    [Fact]
    public async Task A_failure_status_is_answered_with_its_body_as_one_line()
    {
        using var http = Http();
        var response = await http.PostAsync(Url("/fail"), Body, NoHeaders, default);

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("""{"error": "database down"}""", response.Excerpt);
    }

    [Fact]
    public async Task A_huge_answer_is_read_only_as_far_as_its_excerpt()
    {
        using var http = Http(excerptLength: 40);
        var response = await http.PostAsync(Url("/big"), Body, NoHeaders, default);

        Assert.Equal(200, response.StatusCode);
        Assert.Null(response.Error);
        Assert.Equal("lorem ipsum dolor lorem ipsum dolor lore", response.Excerpt);
    }

    [Fact]
    public async Task A_receiver_slower_than_the_timeout_is_an_error_not_an_exception()
    {
        using var http = Http(timeoutSeconds: 1);
        var response = await http.PostAsync(Url("/slow"), Body, NoHeaders, default);

        Assert.Null(response.StatusCode);
        Assert.Equal("timed out after 1 s", response.Error);
        Assert.InRange(response.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_callers_cancellation_is_thrown()
    {
        using var http = Http();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.PostAsync(Url("/slow"), Body, NoHeaders, cts.Token));
    }

    [Fact]
    public async Task A_closed_port_is_a_refused_connection()
    {
        using var http = Http();
        var closed = LoopbackPorts.Next();
        var response = await http.PostAsync(new Uri($"http://receiver.test:{closed}/ok"), Body, NoHeaders, default);

        Assert.Null(response.StatusCode);
        Assert.Equal($"connection refused by receiver.test:{closed}", response.Error);
    }

    [Fact]
    public async Task The_next_address_is_tried_when_one_does_not_connect()
    {
        // The receiver listens on 127.0.0.1 only: 127.0.0.2 refuses the connection.
        _dns.Answer("two.test", "127.0.0.2", "127.0.0.1");
        using var http = Http();
        var response = await http.PostAsync(Url("/ok", "two.test"), Body, NoHeaders, default);

        Assert.Equal(200, response.StatusCode);
        Assert.Single(_receiver.Requests);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_an_error()
    {
        using var http = Http();
        var response = await http.PostAsync(Url("/ok", "nowhere.test"), Body, NoHeaders, default);

        Assert.Null(response.StatusCode);
        Assert.Equal("the host nowhere.test was not found (DNS)", response.Error);
    }

    [Fact]
    public async Task A_tls_failure_is_an_error()
    {
        // The receiver speaks plain HTTP: the handshake fails.
        using var http = Http();
        var response = await http.PostAsync(new Uri($"https://receiver.test:{_receiver.Port}/ok"), Body, NoHeaders, default);

        Assert.Null(response.StatusCode);
        Assert.StartsWith($"TLS failure with receiver.test:{_receiver.Port}", response.Error);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xff, 0x62 }, 10, "a\ufffdb")] // invalid byte replaced
    [InlineData(new byte[] { 0x61, 0x20, 0xc3 }, 10, "a")] // a character cut by the read limit is dropped
    [InlineData(new byte[] { 0x20, 0x0a, 0x61, 0x09, 0x09, 0x62, 0x0d, 0x0a }, 10, "a b")]
    [InlineData(new byte[] { 0x61, 0xf0, 0x9f, 0x9a, 0x80 }, 2, "a")] // never half a surrogate pair
    public void Excerpts_are_text_on_one_line(byte[] bytes, int length, string excerpt) =>
        Assert.Equal(excerpt, WebhookHttp.Excerpt(bytes, length));

    /// <summary>
    /// Answers by path: <c>/ok</c> 200, <c>/redirect</c> 302 to <c>/ok</c>, <c>/big</c> 1 MB of text, <c>/slow</c>
    /// nothing for 30 s, <c>/fail</c> 500.
    /// </summary>
    private static async Task AnswerByPathAsync(HttpContext context)
    {
        try
        {
            switch (context.Request.Path.Value)
            {
                case "/ok":
                    await context.Response.WriteAsync("thanks");
                    break;
                case "/redirect":
                    context.Response.Redirect("/ok");
                    break;
                case "/big":
                    // Whitespace and control characters to collapse, more than any excerpt reads.
                    var line = Encoding.UTF8.GetBytes("lorem \t ipsum\r\n\u0001dolor   ");
                    for (var sent = 0; sent < BigBodyBytes; sent += line.Length)
                    {
                        await context.Response.Body.WriteAsync(line, context.RequestAborted);
                    }
                    break;
                case "/slow":
                    await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                    break;
                case "/fail":
                    context.Response.StatusCode = 500;
                    await context.Response.WriteAsync("{\"error\": \"database\n  down\"}");
                    break;
                default:
                    context.Response.StatusCode = 404;
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away (a timeout, an excerpt read to its end): nothing to answer.
        }
    }
}
