using System.Net.Sockets;
using System.Text;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// An HTTP/1.1 proxy in front of the real server that loses answers: the first request carrying a given
/// <c>Idempotency-Key</c> is forwarded, and as soon as the server starts answering it (the write has committed) the
/// client's connection is closed without the answer. A request with a key seen before, or without a key, goes through.
/// Requests are told apart by their headers and Content-Length (the SDK sends no chunked bodies).
/// </summary>
public sealed class DroppingProxy : LoopbackProxy
{
    private readonly Uri _target;
    private readonly HashSet<string> _seenKeys = [];
    private int _dropped;

    public DroppingProxy(string targetUrl) => _target = new Uri(targetUrl);

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Answers the proxy withheld.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    protected override async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target.Host, _target.Port, Stop.Token);
            var toClient = client.GetStream();
            var toServer = server.GetStream();
            var dropping = new TaskCompletionSource();
            var answers = PumpAnswersAsync(toServer, toClient, dropping);
            var buffer = new List<byte>();
            var chunk = new byte[16 * 1024];
            while (true)
            {
                var read = await toClient.ReadAsync(chunk, Stop.Token);
                if (read == 0)
                {
                    return;
                }
                buffer.AddRange(chunk.AsSpan(0, read).ToArray());
                while (NextRequest(buffer) is { } request)
                {
                    buffer.RemoveRange(0, request.Length);
                    var drop = request.Key is { } key && Remember(key);
                    if (drop)
                    {
                        dropping.TrySetResult(); // the answer to this request is never forwarded
                    }
                    await toServer.WriteAsync(request.Bytes, Stop.Token);
                    if (drop)
                    {
                        await answers; // returns once the server began answering: then the client is cut off
                        Interlocked.Increment(ref _dropped);
                        return;
                    }
                }
            }
        }
        catch (Exception) when (Stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>Forwards the server's answers until a request is to be dropped; then waits for its first byte and stops.</summary>
    private async Task PumpAnswersAsync(NetworkStream fromServer, NetworkStream toClient, TaskCompletionSource dropping)
    {
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await fromServer.ReadAsync(chunk, Stop.Token);
            if (read == 0 || dropping.Task.IsCompleted)
            {
                return; // the dropped request's answer has begun (or the server closed): nothing more goes to the client
            }
            await toClient.WriteAsync(chunk.AsMemory(0, read), Stop.Token);
        }
    }

    private bool Remember(string key)
    {
        lock (_seenKeys)
        {
            return _seenKeys.Add(key);
        }
    }

    private sealed record Request(byte[] Bytes, int Length, string? Key);

    /// <summary>The first whole request in <paramref name="buffer"/> (headers and Content-Length body), or null.</summary>
    private static Request? NextRequest(List<byte> buffer)
    {
        var bytes = buffer.ToArray();
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return null;
        }
        var headers = Encoding.ASCII.GetString(bytes, 0, end).Split("\r\n");
        string? Header(string name) => headers.Skip(1).Select(h => h.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))?[1].Trim();
        var length = end + 4 + (int.TryParse(Header("Content-Length"), out var body) ? body : 0);
        return bytes.Length < length ? null : new Request(bytes[..length], length, Header("Idempotency-Key"));
    }
}
