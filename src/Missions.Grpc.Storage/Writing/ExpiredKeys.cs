namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// Expired <c>Idempotency-Key</c> records a purge round removes, as the backend loaded them: how many keys lose their
/// record, and the backend's own note of what to delete (its rows, or its documents).
/// </summary>
internal sealed record ExpiredKeys(int Count, object Handle);
