namespace Missions.Grpc.Storage;

/// <summary>An <c>Idempotency-Key</c> already used, within its retention, for a different request.</summary>
public sealed class IdempotencyKeyReusedException(string message) : Exception(message);
