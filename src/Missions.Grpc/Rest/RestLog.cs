namespace Missions.Grpc.Rest;

/// <summary>What the REST adapter logs.</summary>
internal static partial class RestLog
{
    [LoggerMessage(401, LogLevel.Debug, "Request body could not be read", EventName = "BodyUnreadable")]
    public static partial void BodyUnreadable(ILogger logger, Exception error);

    [LoggerMessage(402, LogLevel.Warning, "Transcoded call answered HTTP {Status} without a gRPC status body", EventName = "NoStatusBody")]
    public static partial void NoStatusBody(ILogger logger, int status);

    [LoggerMessage(403, LogLevel.Information, "Transcoder bridge checked: {Calls} in-process calls in {Milliseconds:F1} ms", EventName = "BridgeChecked")]
    public static partial void BridgeChecked(ILogger logger, int calls, double milliseconds);
}
