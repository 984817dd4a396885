using System.Net;
using System.Net.Sockets;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on a loopback port that misbehaves on purpose (what a network does at the worst moment): it accepts
/// connections and hands each to <see cref="ServeAsync"/> until disposed. The faults are the subclasses'.
/// </summary>
public abstract class LoopbackProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    protected LoopbackProxy()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Cancelled when the proxy is disposed.</summary>
    protected CancellationTokenSource Stop { get; } = new();

    /// <summary>Serves one client connection (and disposes it).</summary>
    protected abstract Task ServeAsync(TcpClient client);

    public void Dispose()
    {
        Stop.Cancel();
        _listener.Stop();
        GC.SuppressFinalize(this);
    }

    private async Task AcceptAsync()
    {
        while (!Stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(Stop.Token);
            }
            catch (Exception) when (Stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }
}
