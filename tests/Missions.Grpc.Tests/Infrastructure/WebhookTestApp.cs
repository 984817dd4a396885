using System.Text;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;
using NSec.Cryptography;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// A server whose webhooks reach a test's receiver on loopback over http (allowed here, as the README documents for
/// tests and private deployments), polled every 50 ms, retried after 200 ms then 400 ms.
/// </summary>
public static class WebhookTestApp
{
    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Webhooks:PollInterval"] = "00:00:00.05",
            ["Webhooks:Timeout"] = "00:00:02",
            ["Webhooks:RetrySchedule:0"] = "00:00:00.2",
            ["Webhooks:RetrySchedule:1"] = "00:00:00.4",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Creates an endpoint (REST); returns its id.</summary>
    public static async Task<string> CreateWebhookAsync(this HttpClient client, string url, string extra = "")
    {
        var (status, json, _) = await client.SendAsync(HttpMethod.Post, "/v2/ai/mission-webhooks", $$"""{"url":"{{url}}"{{extra}}}""");
        Assert.Equal(System.Net.HttpStatusCode.Created, status);
        return (string)json!["data"]!["webhook_id"]!;
    }

    /// <summary>Whether the request carries a valid Ed25519 signature over "timestamp|body" by <paramref name="publicKey"/>.</summary>
    public static bool Verifies(this WebhookReceiver.Received received, string publicKey)
    {
        var key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(publicKey), KeyBlobFormat.RawPublicKey);
        var signed = Encoding.UTF8.GetBytes(received.Headers["telnyx-timestamp"] + "|").Concat(received.Body).ToArray();
        return SignatureAlgorithm.Ed25519.Verify(key, signed, Convert.FromBase64String(received.Headers["telnyx-signature-ed25519"]));
    }

    public static async Task<string> PublicKeyAsync(this HttpClient client)
    {
        var (_, json, _) = await client.SendAsync(HttpMethod.Get, "/v2/ai/mission-webhooks/public-key");
        return (string)json!["data"]!["public_key"]!;
    }

    /// <summary>The endpoint's deliveries (first page, newest first), waiting until <paramref name="done"/> holds.</summary>
    public static async Task<JsonArray> DeliveriesAsync(this HttpClient client, string webhookId, Func<JsonArray, bool>? done = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (_, json, _) = await client.SendAsync(HttpMethod.Get, $"/v2/ai/mission-webhooks/{webhookId}/deliveries?page[size]=100");
            var data = json!["data"]!.AsArray();
            if (done is null || done(data))
            {
                return data;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Deliveries did not reach the expected state: " + data.ToJsonString());
            }
            await Task.Delay(50);
        }
    }
}
