using Microsoft.Extensions.Options;

namespace Missions.Grpc.Telemetry;

/// <summary>
/// With <c>Telemetry:MetricsPort</c> set, keeps the metrics and the API apart by the port the connection arrived on (its
/// local port — never the <c>Host</c> header, which the caller writes): the metrics path answers only there, and that
/// port answers nothing else (404 for both, before authentication).
/// </summary>
internal sealed class MetricsPortGate(RequestDelegate next, IOptions<TelemetryOptions> options)
{
    private readonly TelemetryOptions _settings = options.Value;

    public Task InvokeAsync(HttpContext context)
    {
        var onMetricsPort = context.Connection.LocalPort == _settings.MetricsPort;
        var isScrape = _settings.MetricsEnabled && context.Request.Path.Equals(_settings.MetricsPath, StringComparison.Ordinal);
        if (onMetricsPort != isScrape)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return next(context);
    }
}
