using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

/// <summary>
/// A stand-in OTLP collector (OTLP/HTTP, protobuf) on a loopback port: it accepts every export as a collector does
/// (200 with an empty <c>Export*ServiceResponse</c>) and counts requests and bytes, so that the telemetry bench measures
/// spans serialized and sent, not an exporter failing to connect.
/// </summary>
internal sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;
    private long _bytes;

    private OtlpSink(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public long Requests => Interlocked.Read(ref _requests);

    public long Bytes => Interlocked.Read(ref _bytes);

    public static async Task<OtlpSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        OtlpSink? sink = null;
        app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            var read = 0L;
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                read += n;
            }
            Interlocked.Increment(ref sink!._requests);
            Interlocked.Add(ref sink._bytes, read);
            context.Response.ContentType = "application/x-protobuf";
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        var url = app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        sink = new OtlpSink(app, url);
        return sink;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
