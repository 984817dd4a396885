using Microsoft.Extensions.Logging;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>What the LiteDB backend logs: where it opened, failed commits settled, reopened files and checkpoints.</summary>
internal static partial class LiteDbLog
{
    [LoggerMessage(101, LogLevel.Information, "LiteDB storage at {Path}", EventName = "Opened")]
    public static partial void Opened(ILogger logger, string path);

    [LoggerMessage(102, LogLevel.Warning, "A commit failed and the database files can neither be opened nor cut back: whether its batch is stored is settled when they open", EventName = "CommitUnsettled")]
    public static partial void CommitUnsettled(ILogger logger, Exception error);

    [LoggerMessage(103, LogLevel.Warning, "A batch whose commit failed turned out to be stored", EventName = "UnsettledBatchStored")]
    public static partial void UnsettledBatchStored(ILogger logger);

    [LoggerMessage(104, LogLevel.Warning, "Reopening the database files failed ({Error}); retrying with the next write", EventName = "ReopenFailed")]
    public static partial void ReopenFailed(ILogger logger, string error);

    [LoggerMessage(105, LogLevel.Warning, "LiteDB rollback failed ({Error}); reopening the database files", EventName = "RollbackFailed")]
    public static partial void RollbackFailed(ILogger logger, string error);

    [LoggerMessage(106, LogLevel.Warning, "A read failed on storage; reopening the database files", EventName = "ReadFailed")]
    public static partial void ReadFailed(ILogger logger);

    [LoggerMessage(107, LogLevel.Warning, "Log checkpoint failed ({Cause}); committed writes are safe in the log ({Bytes} bytes), which grows until a checkpoint succeeds; retrying from {RetryAfter} s on", EventName = "CheckpointFailed")]
    public static partial void CheckpointFailed(ILogger logger, Exception error, string cause, long bytes, double retryAfter);

    [LoggerMessage(108, LogLevel.Information, "Log checkpoints work again after {Seconds:F1} s", EventName = "CheckpointsRecovered")]
    public static partial void CheckpointsRecovered(ILogger logger, double seconds);

    [LoggerMessage(109, LogLevel.Warning, "The checkpoint at shutdown failed ({Error}); every committed write stays in '{Log}', which the next start replays", EventName = "ShutdownCheckpointFailed")]
    public static partial void ShutdownCheckpointFailed(ILogger logger, string error, string log);
}
