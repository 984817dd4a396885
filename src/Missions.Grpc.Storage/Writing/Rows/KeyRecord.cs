namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// An <c>Idempotency-Key</c>'s record: the request's fingerprint, the write's result as UTF-8 JSON
/// (<see cref="Core.IdempotencyRules.SerializeToUtf8Bytes"/>) and when it expires.
/// </summary>
internal sealed record KeyRecord(string Organization, string Key, string Fingerprint, byte[] Result, DateTime ExpiresAt);
