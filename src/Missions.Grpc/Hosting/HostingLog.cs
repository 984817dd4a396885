namespace Missions.Grpc.Hosting;

/// <summary>What the request log writes (<see cref="FailedRequestLogging"/>).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(501, LogLevel.Warning, "{Method} {Route} answered {Status} in {Milliseconds:F1} ms", EventName = "RequestFailed")]
    public static partial void RequestFailed(ILogger logger, string method, string route, string status, double milliseconds);
}
