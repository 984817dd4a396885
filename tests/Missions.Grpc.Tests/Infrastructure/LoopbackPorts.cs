using System.Net;
using System.Net.Sockets;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// Loopback ports for servers the tests and benchmarks start. Taken below the kernel's ephemeral range
/// (<c>/proc/sys/net/ipv4/ip_local_port_range</c>, 32768–60999 by default): a port asked of the kernel with port 0 is
/// from that range, and between releasing it and the server binding it any outgoing connection (an HTTP client's,
/// PostgreSQL's) could be given it as its local port — "address already in use". Below the range only an explicit
/// bind takes a port. Each process starts at its own random place and counts up; a port someone holds is skipped.
/// </summary>
public static class LoopbackPorts
{
    private const int First = 20000;
    private const int Count = 12000;
    private static int _next = Random.Shared.Next(Count);

    /// <summary>A loopback port no one holds now and that this process has not handed out before.</summary>
    public static int Next()
    {
        for (var tries = 0; tries < Count; tries++)
        {
            var port = First + (Interlocked.Increment(ref _next) % Count);
            if (IsFree(port))
            {
                return port;
            }
        }
        throw new InvalidOperationException($"No free loopback port in {First}–{First + Count - 1}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
