namespace Missions.Grpc.Webhooks;

/// <summary>
/// Configuration section <c>Webhooks</c>: how signed webhooks are pushed to the URLs tenants supply. Checked at start by
/// <see cref="WebhookOptionsValidator"/>; bound with <see cref="WebhookOptionsBinding"/> (a configured retry schedule
/// replaces the default instead of being appended to it).
/// </summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>
    /// The base64 of the 32-byte Ed25519 seed webhooks are signed with. Unset: a key is generated once and kept with the
    /// data, so every replica and every restart signs with the same key and receivers keep one public key.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>One attempt's whole deadline: connect, send, the status line and the start of the answer's body.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The waits between attempts, after the first attempt (made at once): one more attempt per wait. The default is
    /// Svix's schedule — 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, about 27.6 h in all — long enough for a receiver
    /// to be down over a night and a deploy, short enough that a dead endpoint stops costing.
    /// </summary>
    public TimeSpan[] RetrySchedule { get; set; } = DefaultRetrySchedule();

    /// <summary>Allows <c>http://</c> URLs (the body and its signature travel in clear). Off: https only.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Allows loopback, private, link-local and other non-public addresses (a development or an on-premises setup).
    /// Off, a tenant could otherwise make the server call its own network: cloud metadata, admin ports, databases.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Attempts in flight at once, over all endpoints.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 128;

    /// <summary>Attempts in flight at once to one endpoint: a slow receiver holds at most this many of the slots.</summary>
    public int MaxConcurrentPerEndpoint { get; set; } = 4;

    /// <summary>
    /// Attempts in flight at once to one organization's endpoints, however many it has: one organization's slow
    /// endpoints hold at most this many of the slots, the rest stay free for the others.
    /// </summary>
    public int MaxConcurrentPerOrganization { get; set; } = 16;

    /// <summary>How often due deliveries are looked for.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a finished delivery (delivered or given up) stays readable before it is purged.</summary>
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The longest URL an endpoint may have.</summary>
    public int MaxUrlLength { get; set; } = 2048;

    /// <summary>Characters of a receiver's answer kept with an attempt, to show why it failed.</summary>
    public int ExcerptLength { get; set; } = 256;

    internal static TimeSpan[] DefaultRetrySchedule() =>
    [
        TimeSpan.FromSeconds(5),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2),
        TimeSpan.FromHours(5),
        TimeSpan.FromHours(10),
        TimeSpan.FromHours(10),
    ];
}
