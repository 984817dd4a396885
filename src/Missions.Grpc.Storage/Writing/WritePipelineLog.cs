using Microsoft.Extensions.Logging;

namespace Missions.Grpc.Storage.Writing;

/// <summary>What the write pipeline logs (<see cref="WritePipeline"/>): outages, their recovery, and batches run again.</summary>
internal static partial class WritePipelineLog
{
    [LoggerMessage(1, LogLevel.Error, "Storage failed ({Fault}: {Cause}) serving a read; writes are refused with 503 and retried from {RetryAfter} s on; {Reads}", EventName = "ReadFailed")]
    public static partial void ReadFailed(ILogger logger, string fault, string cause, double retryAfter, string reads);

    [LoggerMessage(2, LogLevel.Error, "Storage write failed ({Fault}: {Cause}) committing a batch of {Count} writes; {Outcome}. Writes are refused with 503 and retried from {RetryAfter} s on; {Reads}", EventName = "WriteFailed")]
    public static partial void WriteFailed(ILogger logger, Exception error, string fault, string cause, int count, string outcome, double retryAfter, string reads);

    [LoggerMessage(3, LogLevel.Debug, "Storage write still failing ({Cause}); next attempt in {RetryAfter} s", EventName = "StillFailing")]
    public static partial void StillFailing(ILogger logger, string cause, double retryAfter);

    [LoggerMessage(4, LogLevel.Information, "Storage writes work again after {Seconds:F1} s; {Refused} writes were refused meanwhile", EventName = "Recovered")]
    public static partial void Recovered(ILogger logger, double seconds, int refused);

    [LoggerMessage(5, LogLevel.Debug, "A write batch of {Count} lost a race in the database ({Reason}); running it again", EventName = "BatchRaced")]
    public static partial void BatchRaced(ILogger logger, int count, string reason);

    [LoggerMessage(6, LogLevel.Debug, "A write batch of {Count} was refused ({Reason}); its writes run one batch each", EventName = "BatchRefused")]
    public static partial void BatchRefused(ILogger logger, int count, string reason);

    [LoggerMessage(7, LogLevel.Warning, "A commit reported a failure, but its batch of {Count} writes turned out to be stored", EventName = "CommitFailedButStored")]
    public static partial void CommitFailedButStored(ILogger logger, Exception error, int count);

    [LoggerMessage(8, LogLevel.Error, "A failed commit could not be settled", EventName = "CommitNotSettled")]
    public static partial void CommitNotSettled(ILogger logger, Exception? error);

    [LoggerMessage(9, LogLevel.Error, "Telling watchers of a committed batch failed; the writes themselves are committed", EventName = "PublishFailed")]
    public static partial void PublishFailed(ILogger logger, Exception error);

    [LoggerMessage(10, LogLevel.Critical, "The storage write pipeline failed unexpectedly; the writes of this batch were refused", EventName = "PipelineFailed")]
    public static partial void PipelineFailed(ILogger logger, Exception error);
}
