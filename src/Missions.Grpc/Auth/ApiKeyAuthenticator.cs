using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Auth;

/// <summary>
/// Resolves a presented bearer key to its organization. Keys are held as SHA-256 digests and compared
/// in constant time against every configured key (no early exit), so timing reveals nothing.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    private readonly (byte[] Digest, ApiKeyIdentity Identity)[] _keys;

    public ApiKeyAuthenticator(IOptions<AuthOptions> options)
    {
        _keys = options.Value.ApiKeys
            .Select((k, i) => (k.Digest()!, new ApiKeyIdentity(k.Organization, $"key-{i}"))) // validated at start: every entry has one
            .ToArray();
    }

    /// <summary>Who owns <paramref name="key"/>, or null when the key is unknown.</summary>
    public ApiKeyIdentity? Authenticate(ReadOnlySpan<char> key)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var utf8 = Encoding.UTF8.GetBytes(key.ToArray());
        SHA256.HashData(utf8, digest);
        ApiKeyIdentity? identity = null;
        foreach (var (candidate, owner) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, digest))
            {
                identity = owner;
            }
        }
        return identity;
    }
}
