
namespace Missions.Grpc.Auth;

/// <summary>
/// An authenticated key: its organization, and a name for the key that is not the key
/// (<c>key-0</c>, <c>key-1</c>: its position under Auth:ApiKeys), for per-key limits and logs.
/// </summary>
internal sealed record ApiKeyIdentity(string Organization, string KeyId);
