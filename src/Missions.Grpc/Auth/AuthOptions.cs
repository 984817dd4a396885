namespace Missions.Grpc.Auth;

/// <summary>Configuration section <c>Auth</c>: the API keys accepted, each bound to one organization.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary><c>Auth:ApiKeys:N:Key</c> (or <c>:KeySha256</c>) and <c>Auth:ApiKeys:N:Organization</c>.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>
    /// Failed authentications one client address may make within a minute; past it, its requests with credentials are
    /// refused (429 / RESOURCE_EXHAUSTED with <c>Retry-After</c>) until the minute ends.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int MaxFailedAttemptsPerMinute { get; set; } = 60;
}
