using System.Net;

namespace Missions.Grpc.Webhooks;

/// <summary>The machine's resolver (getaddrinfo: /etc/hosts, then DNS).</summary>
internal sealed class SystemDnsResolver : IWebhookDnsResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}
