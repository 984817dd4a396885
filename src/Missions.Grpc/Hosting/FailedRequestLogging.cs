using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Missions.Grpc.Auth;

namespace Missions.Grpc.Hosting;

/// <summary>
/// One log line per failed request, REST or gRPC, at Warning (a failed authentication is told in its address's summary
/// line instead, once a minute: <see cref="FailedAuthentications"/>): method, route template (or RPC), status, duration — never
/// a key, a body, an id from the path or a metadata value. A server fault behind it is logged at Error, once, with its
/// exception, where it is handled (the error interceptor, the storage writer); this line does not repeat it at Error
/// (and grpc-dotnet answers a client's framing violations INTERNAL, as the gRPC spec says: not a server fault). With
/// <c>Logging:Console:FormatterName=json</c> and scopes on, each line carries its trace and span ids.
/// </summary>
internal sealed class FailedRequestLogging(RequestDelegate next, ILogger<FailedRequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        await next(context);
        var status = Status(context);
        if (status.Failed && !context.Items.ContainsKey(FailedAuthentications.Summarized)) // failed authentications: one line per address a minute
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
            HostingLog.RequestFailed(logger, context.Request.Method, route, status.Text, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static (bool Failed, string Text) Status(HttpContext context)
    {
        var response = context.Response;
        if (response.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true && response.StatusCode == StatusCodes.Status200OK)
        {
            var grpc = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"].ToString() is { Length: > 0 } trailer
                ? trailer
                : response.Headers["grpc-status"].ToString();
            if (!int.TryParse(grpc, System.Globalization.CultureInfo.InvariantCulture, out var code) || code == 0)
            {
                return (false, "");
            }
            return (true, $"gRPC {(global::Grpc.Core.StatusCode)code}");
        }
        return response.StatusCode >= 400 ? (true, $"HTTP {response.StatusCode}") : (false, "");
    }
}
