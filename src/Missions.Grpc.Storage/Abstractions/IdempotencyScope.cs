namespace Missions.Grpc.Storage;

/// <summary>
/// A request's <c>Idempotency-Key</c>, as its write sees it: the caller's organization and key, a fingerprint of the
/// request, and how long the answer is kept. The API passes it to the one write the request makes (each mutating store
/// method takes it), which in its own transaction either stores what it wrote under the key or — the key already used
/// for the same request — returns what was stored then, writing nothing (<see cref="Replayed"/>).
/// </summary>
public sealed class IdempotencyScope(string organization, string key, string fingerprint, TimeSpan retention)
{
    public string Organization { get; } = organization;

    public string Key { get; } = key;

    /// <summary>What identifies the request (method, path values, canonical body): the same key with another is refused.</summary>
    public string Fingerprint { get; } = fingerprint;

    public TimeSpan Retention { get; } = retention;

    /// <summary>The write found the key used for this same request and returned that answer, writing nothing.</summary>
    public bool Replayed { get; internal set; }
}
