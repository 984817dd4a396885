using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Unit.Webhooks;

/// <summary>
/// A webhook receiver on 127.0.0.1 (Kestrel) that records every request, then answers by path: <c>/ok</c> 200,
/// <c>/redirect</c> 302 to <c>/ok</c>, <c>/big</c> 1 MB of text, <c>/slow</c> nothing for 30 s, <c>/fail</c> 500.
/// </summary>
internal sealed class LoopbackReceiver : IAsyncDisposable
{
    public const int BigBodyBytes = 1 << 20;

    private readonly WebApplication _app;

    private LoopbackReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var port = LoopbackPorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app, port);
        app.Run(receiver.AnswerAsync);
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task AnswerAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        Received.Enqueue(new ReceivedRequest(
            context.Request.Path.Value ?? "",
            context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            body.ToArray()));
        try
        {
            switch (context.Request.Path.Value)
            {
                case "/ok":
                    await context.Response.WriteAsync("thanks");
                    break;
                case "/redirect":
                    context.Response.Redirect("/ok");
                    break;
                case "/big":
                    // Whitespace and control characters to collapse, more than any excerpt reads.
                    var line = Encoding.UTF8.GetBytes("lorem \t ipsum\r\n\u0001dolor   ");
                    for (var sent = 0; sent < BigBodyBytes; sent += line.Length)
                    {
                        await context.Response.Body.WriteAsync(line, context.RequestAborted);
                    }
                    break;
                case "/slow":
                    await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                    break;
                case "/fail":
                    context.Response.StatusCode = 500;
                    await context.Response.WriteAsync("{\"error\": \"database\n  down\"}");
                    break;
                default:
                    context.Response.StatusCode = 404;
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away (a timeout, an excerpt read to its end): nothing to answer.
        }
    }
}
