namespace Missions.Grpc.Webhooks;

internal static partial class WebhookLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Webhook delivery {DeliveryId} ({EventType}) attempt {Attempt} failed: {Error}; next attempt at {RetryAt:o}")]
    public static partial void AttemptFailed(ILogger logger, string deliveryId, string eventType, int attempt, string error, DateTime retryAt);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Webhook delivery {DeliveryId} ({EventType}) failed for good after {Attempt} attempts: {Error}")]
    public static partial void DeliveryFailed(ILogger logger, string deliveryId, string eventType, int attempt, string error);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "Webhook deliveries could not be claimed or recorded (storage): {Reason}; tried again in {Wait}")]
    public static partial void StorageFailed(ILogger logger, string reason, TimeSpan wait);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Webhook deliveries purged: {Count} ended before {Before:o}")]
    public static partial void Purged(ILogger logger, int count, DateTime before);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Webhook delivery {DeliveryId} could not be built or sent; recorded as a failed attempt")]
    public static partial void SendFailed(ILogger logger, string deliveryId, Exception error);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Webhook deliveries could not be claimed; tried again in {Wait}")]
    public static partial void DispatchFailed(ILogger logger, Exception error, TimeSpan wait);
}
