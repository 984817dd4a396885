using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// Posts webhooks: one <see cref="HttpClient"/> for all endpoints, whose connections are made by
/// <see cref="ConnectAsync"/> — the host resolved once, its refused addresses dropped, the socket connected to an
/// address that passed. The check is on the address connected, so a name that resolved to a public address when the
/// endpoint was saved and to 127.0.0.1 now (DNS rebinding) is refused. Nothing else connects: no proxy, no redirects,
/// and HTTP/3 (QUIC, which bypasses the callback) is never asked for.
/// </summary>
internal sealed class WebhookHttp : IDisposable
{
    public const string UserAgent = "Missions.Grpc-Webhooks/1";

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly WebhookOptions _options;
    private readonly IWebhookDnsResolver _dns;
    private readonly HttpClient _client;

    public WebhookHttp(IOptions<WebhookOptions> options, IWebhookDnsResolver dns)
    {
        _options = options.Value;
        _dns = dns;
        var handler = new SocketsHttpHandler
        {
            // A 3xx is the receiver's answer (a failure for the caller): following it would go to an unchecked URL.
            AllowAutoRedirect = false,
            // A proxy would connect in our place, past the address check.
            UseProxy = false,
            // Receivers belong to different tenants: nothing one sets may travel to another.
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            // Pooled connections are redialled every minute, so a host's changed DNS is followed.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = _options.Timeout,
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler)
        {
            // The per-attempt deadline is PostAsync's own, so a timeout is told apart from the caller's cancellation.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        _client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgent);
    }

    /// <summary>
    /// Posts <paramref name="body"/> as JSON with <paramref name="headers"/>. Network failures, timeouts and refused
    /// addresses are answered, never thrown; only the caller's cancellation throws.
    /// </summary>
    public async Task<WebhookResponse> PostAsync(Uri url, byte[] body, IReadOnlyDictionary<string, string> headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                throw new ArgumentException($"{name} cannot be set on a webhook request.", nameof(headers));
            }
        }
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new(null, TimedOut(), null, Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException e)
        {
            ct.ThrowIfCancellationRequested();
            return new(null, Describe(e, url), null, Stopwatch.GetElapsedTime(started));
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            try
            {
                var excerpt = await ReadExcerptAsync(response.Content, deadline.Token);
                return new(status, null, excerpt, Stopwatch.GetElapsedTime(started));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new(status, TimedOut() + " reading the answer's body", null, Stopwatch.GetElapsedTime(started));
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                ct.ThrowIfCancellationRequested();
                return new(status, $"the answer's body failed: {Innermost(e).Message}", null, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    public void Dispose() => _client.Dispose();

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _dns.ResolveAsync(host, ct);
        if (!_options.AllowPrivateNetworks)
        {
            var allowed = Array.FindAll(addresses, a => !WebhookAddressPolicy.IsRefused(a));
            if (allowed.Length == 0 && addresses.Length > 0)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError,
                    $"the address {addresses[0]} of host {host.Trim('[', ']')} is in a refused range ({WebhookAddressPolicy.RefusedRange(addresses[0])}): " +
                    "webhooks are not delivered to loopback, private, link-local or other non-public addresses");
            }
            addresses = allowed;
        }
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        ExceptionDispatchInfo? failure = null;
        foreach (var address in addresses)
        {
            // An IPv4-mapped address is dialled as IPv4: an IPv6 socket is not dual-stack by default.
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                failure = ExceptionDispatchInfo.Capture(e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        failure!.Throw();
        throw new UnreachableException();
    }

    /// <summary>
    /// At most <see cref="WebhookOptions.ExcerptLength"/> characters from the first 4 bytes per character of the body:
    /// the rest is never read, for a receiver may answer gigabytes.
    /// </summary>
    private async Task<string> ReadExcerptAsync(HttpContent content, CancellationToken ct)
    {
        var limit = _options.ExcerptLength * 4;
        var buffer = ArrayPool<byte>.Shared.Rent(limit);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(ct);
            var read = 0;
            int n;
            while (read < limit && (n = await stream.ReadAsync(buffer.AsMemory(read, limit - read), ct)) > 0)
            {
                read += n;
            }
            return Excerpt(buffer.AsSpan(0, read), _options.ExcerptLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bytes as UTF-8 (invalid bytes replaced, a character cut at the end dropped), runs of whitespace
    /// and control characters as one space, at most <paramref name="length"/> characters.</summary>
    internal static string Excerpt(ReadOnlySpan<byte> bytes, int length)
    {
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        // flush: false keeps a multi-byte character cut by the read limit back, instead of showing it as U+FFFD.
        var decoded = Encoding.UTF8.GetDecoder().GetChars(bytes, chars, flush: false);
        var text = new StringBuilder(Math.Min(decoded, length));
        var space = false;
        foreach (var c in chars.AsSpan(0, decoded))
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = text.Length > 0;
                continue;
            }
            if (space)
            {
                text.Append(' ');
                space = false;
            }
            text.Append(c);
            if (text.Length >= length)
            {
                break;
            }
        }
        // Never end on half a surrogate pair.
        if (text.Length > 0 && char.IsHighSurrogate(text[^1]))
        {
            text.Length--;
        }
        return text.ToString();
    }

    private string TimedOut() =>
        $"timed out after {_options.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";

    private string Describe(HttpRequestException e, Uri url)
    {
        var authority = url.Authority;
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case SocketException s:
                    return s.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => $"connection refused by {authority}",
                        SocketError.HostNotFound or SocketError.NoData => $"the host {url.IdnHost} was not found (DNS)",
                        SocketError.TryAgain => $"the host {url.IdnHost} could not be resolved for now (DNS)",
                        SocketError.TimedOut => $"connecting to {authority} timed out",
                        SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"{authority} is unreachable",
                        SocketError.ConnectionReset => $"connection reset by {authority}",
                        _ => $"{s.Message} ({authority})",
                    };
                case AuthenticationException a:
                    return $"TLS failure with {authority}: {Innermost(a).Message}";
                case TimeoutException:
                    return $"{TimedOut()} connecting to {authority}";
            }
        }
        return e.HttpRequestError switch
        {
            HttpRequestError.ResponseEnded => $"{authority} closed the connection without answering",
            HttpRequestError.InvalidResponse => $"{authority} did not answer HTTP: {Innermost(e).Message}",
            // The refused-address message of ConnectAsync, or the handler's own.
            _ => Innermost(e).Message,
        };
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }
}
