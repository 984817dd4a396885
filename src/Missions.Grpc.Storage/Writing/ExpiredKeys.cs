namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// Expired <c>Idempotency-Key</c> records a purge round removes, as the backend loaded them: the keys whose (latest)
/// record goes, and the backend's own note of what to delete (its rows, or its documents).
/// </summary>
internal sealed record ExpiredKeys(IReadOnlyList<(string Organization, string Key)> Keys, object Handle);
