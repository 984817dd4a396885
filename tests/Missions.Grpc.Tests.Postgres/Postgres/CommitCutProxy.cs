using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>
/// A TCP proxy in front of PostgreSQL that cuts, once and deterministically, the connection carrying the next
/// <c>COMMIT</c> (Npgsql sends it as a simple query: the bytes <c>COMMIT\0</c>): the network failing at the worst moment.
/// </summary>
public sealed class CommitCutProxy : LoopbackProxy
{
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0");

    private readonly int _target;
    private int _armed; // 0: nothing; else 1 + (int)CommitCut

    public CommitCutProxy(int targetPort) => _target = targetPort;

    /// <summary>Signalled once a connection was cut.</summary>
    public TaskCompletionSource Cut { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Cuts the connection that sends the next COMMIT, as <paramref name="cut"/> says.</summary>
    public void Arm(CommitCut cut) => Volatile.Write(ref _armed, 1 + (int)cut);

    protected override async Task ServeAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using var _ = client;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target, Stop.Token);
            var muted = new StrongBox<bool>();
            var up = PumpAsync(client.GetStream(), server.GetStream(), toServer: true, muted);
            var down = PumpAsync(server.GetStream(), client.GetStream(), toServer: false, muted);
            await Task.WhenAny(up, down); // either side ending (or the cut) ends the connection: both sockets close
        }
        catch (Exception)
        {
            // a connection ending is what connections do here
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool toServer, StrongBox<bool> muted)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, Stop.Token);
            if (read == 0 || Volatile.Read(ref muted.Value))
            {
                return; // closed, or cut: nothing more reaches the other side
            }
            if (toServer && buffer.AsSpan(0, read).IndexOf(Commit) >= 0 && Interlocked.Exchange(ref _armed, 0) is > 0 and var armed)
            {
                Volatile.Write(ref muted.Value, true); // the database's answer never goes back
                if ((CommitCut)(armed - 1) == CommitCut.AfterCommit)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read)); // but the database gets the COMMIT
                    await Task.Delay(300); // and commits it
                }
                Cut.TrySetResult();
                return;
            }
            await to.WriteAsync(buffer.AsMemory(0, read), Stop.Token);
        }
    }
}
