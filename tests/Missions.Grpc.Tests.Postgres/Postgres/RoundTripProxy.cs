using System.Net;
using System.Net.Sockets;
using System.Text;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>
/// A TCP proxy in front of PostgreSQL that counts round trips: on each connection, a round trip is a turn of the client
/// — everything it sends before the server answers — however many statements that holds. Turns from a <c>BEGIN</c> to a
/// <c>COMMIT</c> (both of which Npgsql sends as text) make a transaction; <see cref="Transactions"/> lists each one's
/// turns, in the order they committed.
/// </summary>
public sealed class RoundTripProxy(int targetPort) : LoopbackProxy
{
    private static readonly byte[] Begin = Encoding.ASCII.GetBytes("BEGIN");
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0");
    private static readonly byte[] Rollback = Encoding.ASCII.GetBytes("ROLLBACK");

    private readonly List<int> _transactions = [];

    /// <summary>How many round trips each committed (or attempted) transaction took, oldest first.</summary>
    public IReadOnlyList<int> Transactions
    {
        get
        {
            lock (_transactions)
            {
                return [.. _transactions];
            }
        }
    }

    public void Clear()
    {
        lock (_transactions)
        {
            _transactions.Clear();
        }
    }

    protected override async Task ServeAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using var _ = client;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, targetPort, Stop.Token);
            var turn = new Turn();
            var up = PumpAsync(client.GetStream(), server.GetStream(), turn, toServer: true);
            var down = PumpAsync(server.GetStream(), client.GetStream(), turn, toServer: false);
            await Task.WhenAny(up, down);
        }
        catch (Exception)
        {
            // a connection ending is what connections do here
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Turn turn, bool toServer)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, Stop.Token);
            if (read == 0)
            {
                return;
            }
            lock (turn)
            {
                if (toServer)
                {
                    if (!turn.ClientSpeaking)
                    {
                        turn.ClientSpeaking = true; // a new round trip begins
                        turn.InTransaction += turn.InTransaction > 0 ? 1 : 0;
                    }
                    var bytes = buffer.AsSpan(0, read);
                    if (turn.InTransaction == 0 && bytes.IndexOf(Begin) >= 0)
                    {
                        turn.InTransaction = 1;
                    }
                    if (turn.InTransaction > 0 && bytes.IndexOf(Commit) >= 0)
                    {
                        lock (_transactions)
                        {
                            _transactions.Add(turn.InTransaction);
                        }
                        turn.InTransaction = 0;
                    }
                    if (bytes.IndexOf(Rollback) >= 0)
                    {
                        turn.InTransaction = 0; // not a transaction that counts: it wrote nothing
                    }
                }
                else
                {
                    turn.ClientSpeaking = false;
                }
            }
            await to.WriteAsync(buffer.AsMemory(0, read), Stop.Token);
        }
    }

    private sealed class Turn
    {
        public bool ClientSpeaking { get; set; }

        /// <summary>0 outside a transaction; else the round trips it took so far.</summary>
        public int InTransaction { get; set; }
    }
}
