namespace Missions.Grpc.Idempotency;

/// <summary>What the <c>Idempotency-Key</c> machinery logs.</summary>
internal static partial class IdempotencyLog
{
    [LoggerMessage(601, LogLevel.Debug, "Idempotency-Key purge skipped: {Reason}", EventName = "PurgeSkipped")]
    public static partial void PurgeSkipped(ILogger logger, string reason);

    [LoggerMessage(602, LogLevel.Warning, "Idempotency-Key purge failed; it runs again at its next interval", EventName = "PurgeFailed")]
    public static partial void PurgeFailed(ILogger logger, Exception error);
}
