namespace Missions.Grpc.Auth;

/// <summary>The authentication scheme of this API and the claims it issues.</summary>
internal static class ApiKeyDefaults
{
    /// <summary><c>Authorization: Bearer &lt;API key&gt;</c>.</summary>
    public const string Scheme = "Bearer";

    /// <summary>The organization the key acts for: every read and write is scoped to it.</summary>
    public const string OrganizationClaim = "missions:organization";

    /// <summary>A name for the key that is not the key (<c>key-</c> and 12 hex digits, the same across reloads): the rate limiter's partition, safe to log.</summary>
    public const string KeyIdClaim = "missions:key_id";

    public const string NotAuthenticated = "Not authenticated: send Authorization: Bearer <API key>";
    public const string InvalidScheme = "Invalid authorization scheme: expected Bearer";
    public const string InvalidKey = "Invalid API key";
    public const string KeyRevoked = "The API key was revoked";
}
