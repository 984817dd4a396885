namespace Missions.Grpc.Errors;

/// <summary>What error mapping logs: a fault of this server, once, with its exception, where it is answered.</summary>
internal static partial class ErrorLog
{
    [LoggerMessage(301, LogLevel.Error, "Unhandled exception in {Method}", EventName = "UnhandledException")]
    public static partial void UnhandledException(ILogger logger, Exception error, string method);
}
