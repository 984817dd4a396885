namespace Missions.Grpc.Auth;

public sealed class ApiKeyEntry
{
    /// <summary>The key itself.</summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// Instead of <see cref="Key"/>: the SHA-256 digest of the key's UTF-8 bytes, 64 hex digits
    /// (<c>printf %s "$KEY" | sha256sum</c>), so that the key itself need not sit in configuration.
    /// </summary>
    public string KeySha256 { get; set; } = "";

    public string Organization { get; set; } = "";

    /// <summary>The digest callers' keys are compared with; null when the entry holds neither form validly.</summary>
    public byte[]? Digest()
    {
        if (!string.IsNullOrEmpty(KeySha256))
        {
            return KeySha256.Length == 64 && KeySha256.All(Uri.IsHexDigit) ? Convert.FromHexString(KeySha256) : null;
        }
        return string.IsNullOrWhiteSpace(Key) ? null : System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Key));
    }
}
