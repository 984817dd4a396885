namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// Expired <c>Idempotency-Key</c> records a purge round removes, as the backend loaded them: the keys whose (latest)
/// record goes, the size of each (<see cref="Core.StoredSize"/>, what its purge frees), and the backend's own note of what
/// to delete (its rows, or its documents).
/// </summary>
internal sealed record ExpiredKeys(IReadOnlyList<(string Organization, string Key)> Keys, IReadOnlyList<int> KiB, object Handle);
