namespace Missions.Grpc.Storage;

/// <summary>
/// A request's <c>Idempotency-Key</c>, as its write sees it: the caller's organization and key, a fingerprint of the
/// request, and how long the answer is kept. Set around a request by the API (<see cref="Begin"/>); the request's write
/// takes it (<see cref="Take"/>) and, in its own transaction, either stores what it wrote under the key or — the key
/// already used for the same request — returns what was stored then, writing nothing (<see cref="Replayed"/>).
/// </summary>
public sealed class IdempotencyScope(string organization, string key, string fingerprint, TimeSpan retention)
{
    private static readonly AsyncLocal<IdempotencyScope?> Ambient = new();
    private int _taken;

    public string Organization { get; } = organization;

    public string Key { get; } = key;

    /// <summary>What identifies the request (method, path values, canonical body): the same key with another is refused.</summary>
    public string Fingerprint { get; } = fingerprint;

    public TimeSpan Retention { get; } = retention;

    /// <summary>The write found the key used for this same request and returned that answer, writing nothing.</summary>
    public bool Replayed { get; internal set; }

    /// <summary>Makes <paramref name="scope"/> the current request's until the returned handle is disposed.</summary>
    public static IDisposable Begin(IdempotencyScope scope)
    {
        var previous = Ambient.Value;
        Ambient.Value = scope;
        return new Restore(previous);
    }

    /// <summary>The current request's scope for its write, once: a request's first write is the one its key covers.</summary>
    internal static IdempotencyScope? Take() =>
        Ambient.Value is { } scope && Interlocked.Exchange(ref scope._taken, 1) == 0 ? scope : null;

    private sealed class Restore(IdempotencyScope? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}

/// <summary>An <c>Idempotency-Key</c> already used, within its retention, for a different request.</summary>
public sealed class IdempotencyKeyReusedException(string message) : Exception(message);

/// <summary>Stored idempotency keys: the expired are purged in bounded batches; how many are kept.</summary>
public interface IIdempotencyStore
{
    /// <summary>Deletes at most <paramref name="limit"/> expired keys; returns how many it deleted.</summary>
    Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>How many keys are stored (expired ones not yet purged included).</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);
}
