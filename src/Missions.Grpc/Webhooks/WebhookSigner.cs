using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// Signs webhooks the way Telnyx does, so receivers verify them with the official Telnyx SDKs. What npm
/// <c>telnyx</c> 7.24.0 checks (<c>lib/webhooks.js</c>, <c>TelnyxWebhook.verify</c>):
/// <list type="bullet">
/// <item>the public key: strict padded base64 of the raw 32-byte Ed25519 key (WebCrypto <c>importKey('raw')</c>);</item>
/// <item><c>telnyx-timestamp</c>: digits only (<c>/^\d+$/</c>), unix seconds, at most 300 s from the receiver's clock
/// either way — so every attempt, retries included, is signed anew with the time it is sent;</item>
/// <item><c>telnyx-signature-ed25519</c>: strict padded base64 of the 64-byte signature;</item>
/// <item>the signed message: <c>TextEncoder.encode(`${timestamp}|${payload}`)</c>, the payload being the body as the
/// receiver's string. That equals the UTF-8 bytes of <c>"&lt;timestamp&gt;|"</c> then the raw body only while the
/// body is valid UTF-8 without a byte order mark (which a receiver's decoder may drop) — what the JSON bodies are.</item>
/// </list>
/// The key lives in libsodium's guarded memory (NSec); signing is thread-safe.
/// </summary>
internal sealed class WebhookSigner : IDisposable
{
    public const string SignatureHeader = "telnyx-signature-ed25519";

    public const string TimestampHeader = "telnyx-timestamp";

    public const int SeedLength = 32;

    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    private readonly Key _key;

    public WebhookSigner(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"An Ed25519 seed is {SeedLength} bytes, not {seed.Length}.", nameof(seed));
        }
        _key = Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey);
        PublicKeyBase64 = Convert.ToBase64String(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The raw 32-byte public key, base64: what receivers give the Telnyx SDK (<c>TELNYX_PUBLIC_KEY</c>).</summary>
    public string PublicKeyBase64 { get; }

    /// <summary>The <see cref="TimestampHeader"/> value for <paramref name="now"/>: unix seconds, in decimal.</summary>
    public static string Timestamp(DateTimeOffset now) => now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The <see cref="SignatureHeader"/> value: base64 of the signature over <c>"&lt;timestamp&gt;|"</c> and the body.</summary>
    public string Sign(string timestamp, ReadOnlySpan<byte> body)
    {
        // The SDK refuses anything but digits before it looks at the signature: fail here, not at every receiver.
        if (timestamp.Length == 0 || !timestamp.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("A webhook timestamp is unix seconds in decimal digits.", nameof(timestamp));
        }
        var length = timestamp.Length + 1 + body.Length;
        var message = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.ASCII.GetBytes(timestamp, message);
            message[written] = (byte)'|';
            body.CopyTo(message.AsSpan(written + 1));
            Span<byte> signature = stackalloc byte[Algorithm.SignatureSize];
            Algorithm.Sign(_key, message.AsSpan(0, length), signature);
            return Convert.ToBase64String(signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }

    public static byte[] NewSeed() => RandomNumberGenerator.GetBytes(SeedLength);

    /// <summary>Reads a seed as configured (<c>Webhooks:SigningKey</c>): base64 of exactly <see cref="SeedLength"/> bytes.</summary>
    public static bool TryParseSeed(string base64, out byte[] seed)
    {
        // A longer value does not fit the buffer and fails; a shorter one fails on its length.
        Span<byte> buffer = stackalloc byte[SeedLength];
        if (Convert.TryFromBase64String(base64, buffer, out var written) && written == SeedLength)
        {
            seed = buffer.ToArray();
            return true;
        }
        seed = [];
        return false;
    }

    public void Dispose() => _key.Dispose();
}
