using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The webhooks bench's receiver: a minimal Kestrel app on a fixed loopback port that answers every POST 200 at once, with
/// no body, as a receiver that queues the event for later does. It keeps, per delivery, when the change occurred
/// (<c>data.occurred_at</c>) and when the request arrived, for the lag; and which (event, endpoint) pairs it has seen,
/// so that a delivery sent twice (at least once allows it) is counted once toward "all arrived" and reported apart. It
/// can stop listening and listen again on the same port: a receiver that is down while deliveries are queued.
/// </summary>
internal sealed class WebhookSink : IAsyncDisposable
{
    private readonly int _port = LoopbackPorts.Next();
    private readonly Lock _lock = new();
    private readonly List<Arrival> _arrivals = [];
    private readonly HashSet<(Guid Event, int Endpoint)> _seen = [];
    private long _requests;
    private long _unreadable;
    private WebApplication? _app;

    private WebhookSink()
    {
    }

    /// <summary>One delivery as received: when its change occurred and when it arrived (UTC ticks, the same machine's clock).</summary>
    public readonly record struct Arrival(long OccurredTicks, long ReceivedTicks)
    {
        public double LagMs => (ReceivedTicks - OccurredTicks) / (double)TimeSpan.TicksPerMillisecond;
    }

    /// <summary>The URL of endpoint <paramref name="endpoint"/>: the query tells the sink which endpoint a delivery was sent to.</summary>
    public string Url(int endpoint = 0) => $"http://127.0.0.1:{_port}/hook?endpoint={endpoint}";

    /// <summary>Every POST answered (duplicates included).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Bodies the sink could not read an event id and time from (0 unless the envelope changed).</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>Distinct deliveries (event, endpoint) received: the count to compare with what was queued.</summary>
    public int Distinct
    {
        get
        {
            lock (_lock)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Deliveries received again (the same event to the same endpoint).</summary>
    public long Duplicates => Requests - Unreadable - Distinct;

    /// <summary>The distinct arrivals from the <paramref name="from"/>-th on, in arrival order.</summary>
    public IReadOnlyList<Arrival> ArrivalsFrom(int from)
    {
        lock (_lock)
        {
            return _arrivals.GetRange(from, _arrivals.Count - from);
        }
    }

    public static async Task<WebhookSink> StartAsync()
    {
        var sink = new WebhookSink();
        await sink.ListenAsync();
        return sink;
    }

    public async Task ListenAsync()
    {
        // No configuration sources: the bench's folder holds no appsettings, but the server's would add its endpoints.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, _port));
        var app = builder.Build();
        app.MapPost("/hook", ReceiveAsync);
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening: connections are refused until <see cref="ListenAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Waits until <paramref name="count"/> distinct deliveries arrived; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForAsync(long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Distinct < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(10);
        }
        return true;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task ReceiveAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var received = DateTime.UtcNow.Ticks;
        Interlocked.Increment(ref _requests);
        var endpoint = int.TryParse(context.Request.Query["endpoint"], out var e) ? e : 0;
        if (Read(body.GetBuffer().AsSpan(0, (int)body.Length)) is { } read)
        {
            lock (_lock)
            {
                if (_seen.Add((read.Event, endpoint)))
                {
                    _arrivals.Add(new Arrival(read.OccurredTicks, received));
                }
            }
        }
        else
        {
            Interlocked.Increment(ref _unreadable);
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary><c>data.id</c> and <c>data.occurred_at</c> of the envelope, read without building a document.</summary>
    private static (Guid Event, long OccurredTicks)? Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        Guid? id = null;
        long? occurred = null;
        while (reader.Read() && (id is null || occurred is null))
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 2)
            {
                continue;
            }
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = Guid.TryParse(reader.GetString(), out var parsed) ? parsed : null;
            }
            else if (reader.ValueTextEquals("occurred_at"u8))
            {
                reader.Read();
                // RFC 3339 with up to nine fractional digits (protobuf's JSON); .NET parses at most seven.
                var text = reader.GetString() ?? "";
                var dot = text.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && text.Length - dot - 2 > 7)
                {
                    text = text[..(dot + 8)] + "Z";
                }
                occurred = DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal, out var at)
                    ? at.UtcTicks
                    : null;
            }
        }
        return id is { } i && occurred is { } o ? (i, o) : null;
    }
}
