using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.Webhooks;
using NSec.Cryptography;

namespace Missions.Grpc.Tests.Unit.Webhooks;

/// <summary>Webhooks are signed as Telnyx signs them: Ed25519 over "&lt;timestamp&gt;|&lt;body&gt;".</summary>
public sealed class WebhookSignerTests
{
    private static readonly NodeProject Sdk = new(Path.Combine("tests", "sdk"), "telnyx");

    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"event":"run.finished","note":"é ✓ 🚀"}""");

    [Fact]
    public void A_signature_verifies_with_the_published_key_over_timestamp_pipe_body_and_nothing_else()
    {
        using var signer = new WebhookSigner(WebhookSigner.NewSeed());
        var signature = Convert.FromBase64String(signer.Sign("1700000000", Body));
        var key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(signer.PublicKeyBase64), KeyBlobFormat.RawPublicKey);

        Assert.True(SignatureAlgorithm.Ed25519.Verify(key, [.. "1700000000|"u8, .. Body], signature));
        Assert.False(SignatureAlgorithm.Ed25519.Verify(key, [.. "1700000001|"u8, .. Body], signature));
        var tampered = Body.ToArray();
        tampered[^2] ^= 1;
        Assert.False(SignatureAlgorithm.Ed25519.Verify(key, [.. "1700000000|"u8, .. tampered], signature));
    }

    [Fact]
    public void The_seed_is_the_raw_rfc8032_private_key()
    {
        // RFC 8032, 7.1, test 1.
        using var signer = new WebhookSigner(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            Convert.ToHexStringLower(Convert.FromBase64String(signer.PublicKeyBase64)));
    }

    [Theory]
    [InlineData(32, true)]
    [InlineData(31, false)]
    [InlineData(33, false)]
    [InlineData(64, false)]
    [InlineData(0, false)]
    public void A_seed_is_the_base64_of_exactly_32_bytes(int length, bool ok)
    {
        var bytes = Enumerable.Range(1, length).Select(i => (byte)i).ToArray();
        Assert.Equal(ok, WebhookSigner.TryParseSeed(Convert.ToBase64String(bytes), out var seed));
        Assert.Equal(ok ? bytes : [], seed);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA")] // 32 bytes, padding missing
    public void Anything_else_is_not_a_seed(string value) => Assert.False(WebhookSigner.TryParseSeed(value, out _));

    [Fact]
    public void New_seeds_are_32_random_bytes()
    {
        Assert.Equal(32, WebhookSigner.NewSeed().Length);
        Assert.NotEqual(WebhookSigner.NewSeed(), WebhookSigner.NewSeed());
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("17e8")]
    [InlineData("١٢٣")] // digits, not ASCII ones
    public void A_timestamp_the_sdk_would_refuse_is_refused_when_signing(string timestamp)
    {
        using var signer = new WebhookSigner(WebhookSigner.NewSeed());
        Assert.Throws<ArgumentException>(() => signer.Sign(timestamp, Body));
    }

    [Fact]
    public void Timestamps_are_unix_seconds() =>
        Assert.Equal("1700000000", WebhookSigner.Timestamp(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddMilliseconds(999)));

    [Fact]
    public async Task The_official_telnyx_sdk_verifies_our_webhooks_within_its_five_minutes()
    {
        using var signer = new WebhookSigner(WebhookSigner.NewSeed());
        var now = DateTimeOffset.UtcNow;
        var tampered = Encoding.UTF8.GetBytes("""{"event":"run.finished","note":"é ✓ 🚁"}""");
        var cases = new JsonObject
        {
            ["fresh"] = Case(signer, now, Body, Body),
            ["tampered"] = Case(signer, now, Body, tampered),
            ["290 s old"] = Case(signer, now.AddSeconds(-290), Body, Body),
            ["310 s old"] = Case(signer, now.AddSeconds(-310), Body, Body),
        };
        var results = await RunSdkAsync(signer.PublicKeyBase64, cases);

        Assert.Equal("verified", (string?)results["fresh"]);
        Assert.Equal("verified", (string?)results["290 s old"]);
        Assert.Contains("signature does not match payload", (string?)results["tampered"]);
        Assert.Contains("too old or too new", (string?)results["310 s old"]);
    }

    private static JsonObject Case(WebhookSigner signer, DateTimeOffset at, byte[] signed, byte[] sent)
    {
        var timestamp = WebhookSigner.Timestamp(at);
        return new JsonObject
        {
            ["body"] = Encoding.UTF8.GetString(sent),
            ["headers"] = new JsonObject
            {
                [WebhookSigner.SignatureHeader] = signer.Sign(timestamp, signed),
                [WebhookSigner.TimestampHeader] = timestamp,
            },
        };
    }

    private static async Task<JsonNode> RunSdkAsync(string publicKey, JsonObject cases)
    {
        // What a receiver writes: client.webhooks.unwrap(raw body as a string, { headers }).
        const string script = """
            import Telnyx from 'telnyx';
            const client = new Telnyx({ apiKey: 'unused', publicKey: process.env.WEBHOOK_PUBLIC_KEY });
            const results = {};
            for (const [name, { body, headers }] of Object.entries(JSON.parse(process.env.WEBHOOK_CASES))) {
              try {
                await client.webhooks.unwrap(body, { headers });
                results[name] = 'verified';
              } catch (e) {
                results[name] = `${e.name}: ${e.message}`;
              }
            }
            console.log(JSON.stringify(results));
            """;
        await Sdk.EnsureInstalledAsync();
        var (exitCode, stdout, stderr) = await Sdk.RunAsync("node", ["--input-type=module", "-e", script],
            new Dictionary<string, string> { ["WEBHOOK_PUBLIC_KEY"] = publicKey, ["WEBHOOK_CASES"] = cases.ToJsonString() });
        Assert.True(exitCode == 0, stderr);
        return JsonNode.Parse(stdout) ?? throw new JsonException(stdout);
    }
}
