using System.Net;
using System.Net.Sockets;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// Where webhooks may go: public addresses only, unless <see cref="WebhookOptions.AllowPrivateNetworks"/>. A tenant's URL
/// must not make the server call its own network (cloud metadata, admin ports, databases). Checked three times: the URL
/// as written (<see cref="UrlProblem"/>), its name resolved when the endpoint is saved (<see cref="ResolvedProblemAsync"/>),
/// and the address actually connected (<see cref="WebhookHttp"/>) — only the last is proof against DNS rebinding.
/// </summary>
internal static class WebhookAddressPolicy
{
    // Documentation ranges are refused too: never routed on the internet, so a URL there is a mistake that would only
    // burn a day of retries — or a network that reuses them inside, which is exactly what must not be reached.
    private static readonly (IPNetwork Network, string Range)[] RefusedV4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared/CGNAT"), // Alibaba Cloud's metadata is 100.100.100.200
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"), // cloud metadata: 169.254.169.254
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved/broadcast"),
    ];

    private static readonly (IPNetwork Network, string Range)[] RefusedV6 =
    [
        (IPNetwork.Parse("64:ff9b:1::/48"), "local-use NAT64"),
        (IPNetwork.Parse("100::/64"), "discard-only"),
        // Teredo (2001::/32) tunnels to any IPv4 address; benchmarking and ORCHID are never receivers.
        (IPNetwork.Parse("2001::/23"), "IETF protocol assignments"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("3fff::/20"), "documentation"),
        (IPNetwork.Parse("fc00::/7"), "unique-local/private"), // AWS's IPv6 metadata is fd00:ec2::254
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    // The longest name DNS carries; a resolver refuses a longer one outright.
    private const int MaxHostLength = 253;

    private static readonly IPNetwork GlobalUnicastV6 = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    // Special-use names that never name a public host: RFC 6761 (localhost), mDNS (local), ICANN's private-use TLD
    // (internal: metadata.google.internal, ec2.internal), home networks (home.arpa), and Linux's localhost.localdomain.
    private static readonly string[] RefusedDomains = ["localhost", "local", "internal", "home.arpa", "localdomain"];

    public static bool IsRefused(IPAddress address) => RefusedRange(address) is not null;

    /// <summary>The name of the refused range <paramref name="address"/> is in, or null when it is public.</summary>
    public static string? RefusedRange(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return Find(RefusedV4, address);
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not IP";
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        // An IPv6 address that carries an IPv4 one reaches that IPv4 host (a dual-stack socket, a NAT64 or 6to4
        // gateway): it is judged by it. ::/96 also holds :: and ::1, named here before their IPv4 reading.
        if (bytes[..10].IndexOfAnyExcept((byte)0) < 0)
        {
            var mapped = bytes[10] == 0xff && bytes[11] == 0xff;
            if (!mapped && (bytes[10] | bytes[11]) == 0)
            {
                if (bytes[12..15].IndexOfAnyExcept((byte)0) < 0 && bytes[15] <= 1)
                {
                    return bytes[15] == 0 ? "unspecified" : "loopback";
                }
                return RefusedRange(new IPAddress(bytes[12..]));
            }
            if (mapped)
            {
                return RefusedRange(new IPAddress(bytes[12..]));
            }
        }
        if (Nat64.Contains(address))
        {
            return RefusedRange(new IPAddress(bytes[12..]));
        }
        if (SixToFour.Contains(address))
        {
            return RefusedRange(new IPAddress(bytes[2..6]));
        }
        // Outside 2000::/3 nothing is globally routed today; the named ranges first, for the message.
        return Find(RefusedV6, address) ?? (GlobalUnicastV6.Contains(address) ? null : "reserved");
    }

    /// <summary>
    /// What is wrong with <paramref name="url"/> as a webhook endpoint, in a sentence for a 422; null when it is
    /// acceptable. No I/O: <see cref="ResolvedProblemAsync"/> resolves the name.
    /// </summary>
    public static string? UrlProblem(string url, WebhookOptions options)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "The URL is empty.";
        }
        if (url.Length > options.MaxUrlLength)
        {
            return $"The URL is longer than {options.MaxUrlLength} characters.";
        }
        // On Unix a rooted path parses as an absolute file: URL.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.IsFile && !url.StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            return "The URL must be absolute, e.g. https://example.com/webhooks.";
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(options.AllowHttp && uri.Scheme == Uri.UriSchemeHttp))
        {
            return options.AllowHttp
                ? $"The URL's scheme must be https or http, not {uri.Scheme}."
                : $"The URL's scheme must be https, not {uri.Scheme}.";
        }
        // Never sent by the client, but shown wherever the URL is: a secret there would leak.
        if (uri.UserInfo.Length > 0)
        {
            return "The URL must not contain a user name or password (user:password@).";
        }
        var host = uri.IdnHost.TrimEnd('.');
        if (host.Length == 0)
        {
            return "The URL must name a host.";
        }
        if (host.Length > MaxHostLength)
        {
            return $"The URL's host name is longer than {MaxHostLength} characters.";
        }
        if (options.AllowPrivateNetworks)
        {
            return null;
        }
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            var address = IPAddress.Parse(host);
            return RefusedRange(address) is { } range ? Refused($"host {address}", range) : null;
        }
        if (RefusedDomains.FirstOrDefault(d => host == d || host.EndsWith("." + d, StringComparison.Ordinal)) is { } domain)
        {
            return $"The URL's host {host} is in the special-use domain .{domain}: webhooks are delivered to public hosts only.";
        }
        // A name without a dot is completed by the server's own search domains (GCP answers "metadata").
        if (!host.Contains('.'))
        {
            return $"The URL's host {host} is a single-label name: use a fully qualified public host name.";
        }
        return null;
    }

    /// <summary>
    /// Resolves <paramref name="url"/>'s host and refuses it when any of its addresses is refused. A name that does not
    /// resolve is accepted (DNS may be failing for a moment): the connection checks its addresses again anyway.
    /// </summary>
    public static async Task<string?> ResolvedProblemAsync(Uri url, IWebhookDnsResolver dns, WebhookOptions options, CancellationToken ct)
    {
        if (options.AllowPrivateNetworks)
        {
            return null;
        }
        var host = url.IdnHost;
        if (IPAddress.TryParse(host, out var literal))
        {
            return RefusedRange(literal) is { } literalRange ? Refused($"host {literal}", literalRange) : null;
        }
        IPAddress[] addresses;
        try
        {
            // Bounded: a resolver that does not answer must not hold the request; the name is checked again at connect.
            addresses = await dns.ResolveAsync(host, ct).WaitAsync(ResolveTimeout, ct);
        }
        catch (Exception e) when (e is SocketException or ArgumentException or TimeoutException)
        {
            return null;
        }
        foreach (var address in addresses)
        {
            if (RefusedRange(address) is { } range)
            {
                return Refused($"host {host} resolves to {address}, which", range);
            }
        }
        return null;
    }

    /// <summary>How long a name's resolution may take when an endpoint is stored.</summary>
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(3);

    private static string Refused(string subject, string range) =>
        $"The URL's {subject} is in a refused range ({range}): webhooks are delivered to public addresses only.";

    private static string? Find((IPNetwork Network, string Range)[] table, IPAddress address)
    {
        foreach (var (network, range) in table)
        {
            if (network.Contains(address))
            {
                return range;
            }
        }
        return null;
    }
}
