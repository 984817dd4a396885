namespace Missions.Grpc.Webhooks;

/// <summary>
/// Resolves webhook hosts, for the address checks and for connecting (one resolution serves both, so the address
/// checked is the address connected). A seam: tests answer with the addresses they need, DNS rebinding included.
/// </summary>
internal interface IWebhookDnsResolver
{
    /// <summary>The host's addresses; a <see cref="System.Net.Sockets.SocketException"/> when it does not resolve.</summary>
    Task<System.Net.IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}
