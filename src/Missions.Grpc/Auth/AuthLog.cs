using System.Net;

namespace Missions.Grpc.Auth;

internal static partial class AuthLog
{
    [LoggerMessage(EventId = 901, Level = LogLevel.Warning,
        Message = "{Failures} failed authentications from {Address} within a minute; {Refused} further requests refused (limit {Limit} a minute, Auth:MaxFailedAttemptsPerMinute)")]
    public static partial void FailedAuthentications(ILogger logger, int failures, IPAddress address, int refused, int limit);

    [LoggerMessage(EventId = 902, Level = LogLevel.Information, Message = "API keys reloaded: {Count} keys accepted")]
    public static partial void KeysReloaded(ILogger logger, int count);

    [LoggerMessage(EventId = 903, Level = LogLevel.Error, Message = "API keys not reloaded, the keys in use stay: {Reason}")]
    public static partial void KeysNotReloaded(ILogger logger, string reason);
}
