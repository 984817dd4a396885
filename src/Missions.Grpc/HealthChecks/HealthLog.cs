namespace Missions.Grpc.HealthChecks;

/// <summary>What health reporting logs.</summary>
internal static partial class HealthLog
{
    [LoggerMessage(801, LogLevel.Warning, "Publishing the health report failed; the next periodic publication tries again", EventName = "PublicationFailed")]
    public static partial void PublicationFailed(ILogger logger, Exception error);
}
