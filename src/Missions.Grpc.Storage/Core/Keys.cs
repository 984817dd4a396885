namespace Missions.Grpc.Storage.Core;

/// <summary>Key building: an organization's keys form one range no other organization's keys enter.</summary>
internal static class Keys
{
    /// <summary>Longest caller-chosen key part, in UTF-8 bytes, kept as is; longer ones are hashed.</summary>
    public const int MaxPlainPartBytes = 128;

    /// <summary>
    /// A caller-chosen string (step id, agent id, idempotency key, attachment id) made safe as a key part: it
    /// holds no separator, so <c>a</c> and <c>a\u0001b</c> stay distinct ranges; and it is short, because LiteDB
    /// index keys must stay under 1023 bytes — a part over <see cref="MaxPlainPartBytes"/> UTF-8 bytes (256
    /// four-byte characters are 1024) becomes a SHA-256 of itself behind a marker no escaped string contains.
    /// </summary>
    public static string Part(string free)
    {
        var escaped = free.Replace("\u0002", "\u0002\u0002").Replace("\u0001", "\u0002\u0003");
        return System.Text.Encoding.UTF8.GetByteCount(escaped) <= MaxPlainPartBytes
            ? escaped
            : "\u0002\u0004" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(free)));
    }

    /// <summary>
    /// The separator sorts below every character an organization, id or status holds, so
    /// <c>a\u0001…</c> and <c>ab\u0001…</c> never interleave.
    /// </summary>
    public const char Separator = '\u0001';

    public static string Of(params string[] parts) => string.Join(Separator, parts);

    /// <summary>The prefix of every key that starts with <paramref name="parts"/>.</summary>
    public static string Prefix(params string[] parts) => Of(parts) + Separator;
}
