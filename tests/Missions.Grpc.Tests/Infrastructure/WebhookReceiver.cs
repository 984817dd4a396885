using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// A webhook endpoint for tests: a real HTTP server on a loopback port that records every request (headers, raw body)
/// and answers the statuses it is told to, in order (then 200). It can be stopped and started again on the same port
/// (a receiver that is down for a while).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<int> _statuses = new();
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly int _port = LoopbackPorts.Next();
    private int _arrived;
    private readonly Func<HttpContext, Task>? _answer;
    private WebApplication? _app;

    private WebhookReceiver(Func<HttpContext, Task>? answer) => _answer = answer;

    /// <summary>One request as it arrived (header names lower-case); <paramref name="AnsweredWith"/> 0 when a test's own answer wrote it.</summary>
    public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith)
    {
        public JsonNode Json => JsonNode.Parse(Body)!;

        public string EventType => (string)Json["data"]!["event_type"]!;
    }

    public string Url => $"http://127.0.0.1:{_port}/hook";

    public int Port => _port;

    public IReadOnlyList<Received> Requests => [.. _received];

    /// <summary>Requests that arrived, answered or not yet (<see cref="Requests"/> holds the answered ones).</summary>
    public int Arrived => Volatile.Read(ref _arrived);

    /// <summary>Delay before answering (a slow endpoint).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>
    /// Starts a receiver on a free loopback port: any path is recorded, then answered by <paramref name="answer"/> when
    /// given, else with the statuses <see cref="Answer"/> queued (200 after them) on <c>/hook</c>.
    /// </summary>
    public static async Task<WebhookReceiver> StartAsync(Func<HttpContext, Task>? answer = null)
    {
        var receiver = new WebhookReceiver(answer);
        await receiver.StartAgainAsync();
        return receiver;
    }

    /// <summary>The next answers' statuses, in order; 200 after them.</summary>
    public void Answer(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _statuses.Enqueue(status);
        }
    }

    public async Task StartAgainAsync()
    {
        // Nothing from the test folder's appsettings.json (the server's, with its Kestrel endpoints).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Configuration.Sources.Clear();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, _port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            Interlocked.Increment(ref _arrived);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            if (_answer is not null)
            {
                _received.Enqueue(new Received(context.Request.Path.Value ?? "", headers, body.ToArray(), 0));
                await _answer(context);
                return;
            }
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }
            var status = _statuses.TryDequeue(out var next) ? next : 200;
            _received.Enqueue(new Received(context.Request.Path.Value ?? "", headers, body.ToArray(), status));
            context.Response.StatusCode = status;
            await context.Response.WriteAsync(status == 200 ? "ok" : "nope");
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Waits until the received requests satisfy <paramref name="done"/>; fails after <paramref name="timeout"/> (30 s).</summary>
    public async Task<IReadOnlyList<Received>> WaitAsync(Func<IReadOnlyList<Received>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var received = Requests;
            if (done(received))
            {
                return received;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The receiver got {received.Count} requests: {string.Join(", ", received.Select(r => r.EventType))}");
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
