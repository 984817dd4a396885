using Microsoft.Extensions.Logging;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>What the PostgreSQL backend logs: where it opened, a COMMIT settled, and the run-change listener.</summary>
internal static partial class PostgresLog
{
    [LoggerMessage(201, LogLevel.Information, "PostgreSQL storage at {Where}, schema version {Version}", EventName = "Opened")]
    public static partial void Opened(ILogger logger, string where, int version);

    [LoggerMessage(202, LogLevel.Warning, "A COMMIT answered with an error ({Reason}) but the transaction committed: its writes are acknowledged", EventName = "CommitErrorButCommitted")]
    public static partial void CommitErrorButCommitted(ILogger logger, string reason);

    [LoggerMessage(203, LogLevel.Debug, "Run change listener reconnecting", EventName = "ListenerReconnecting")]
    public static partial void ListenerReconnecting(ILogger logger, Exception error);

    [LoggerMessage(204, LogLevel.Debug, "Run changes could not be read; read again at the next notification or poll", EventName = "ChangesReadFailed")]
    public static partial void ChangesReadFailed(ILogger logger, Exception error);
}
