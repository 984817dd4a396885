namespace Missions.Grpc.Storage;

/// <summary>
/// How one attempt went: <paramref name="Succeeded"/> (a 2xx), or the failure, and when to try again
/// (<paramref name="RetryAt"/>; null: the schedule is over, the delivery failed).
/// </summary>
public sealed record DeliveryAttempt(
    string Organization, Guid DeliveryId, int Attempt, bool Succeeded, int? StatusCode, string? Error, string? ResponseExcerpt, DateTime? RetryAt);
