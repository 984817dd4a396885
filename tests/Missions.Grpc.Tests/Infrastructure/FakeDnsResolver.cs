using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Missions.Grpc.Webhooks;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>A resolver answering what the test says, and changing its answer when told (DNS rebinding).</summary>
internal sealed class FakeDnsResolver : IWebhookDnsResolver
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _answers = new(StringComparer.OrdinalIgnoreCase);
    private int _lookups;

    public int Lookups => _lookups;

    public FakeDnsResolver Answer(string host, params string[] addresses)
    {
        _answers[host] = [.. addresses.Select(IPAddress.Parse)];
        return this;
    }

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        Interlocked.Increment(ref _lookups);
        return _answers.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses)
            : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }
}
