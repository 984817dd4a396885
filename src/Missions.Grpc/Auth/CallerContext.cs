using System.Security.Claims;

namespace Missions.Grpc.Auth;

/// <summary>
/// Who is calling, per request (scoped): the claims <see cref="ApiKeyAuthenticationHandler"/> issued. Handlers read the
/// organization from here and never touch HttpContext; authorization (<c>RequireAuthorization</c>) guarantees one.
/// </summary>
internal sealed class CallerContext(IHttpContextAccessor accessor)
{
    private ApiKeyIdentity? _identity;

    public string Organization => Identity.Organization;

    /// <summary>The authenticated key (never the key itself).</summary>
    public ApiKeyIdentity Identity => _identity ??= From(accessor.HttpContext?.User)
        ?? throw new InvalidOperationException("The caller was not authenticated.");

    /// <summary>The key a principal from <see cref="ApiKeyAuthenticationHandler"/> stands for, or null.</summary>
    public static ApiKeyIdentity? From(ClaimsPrincipal? user) =>
        user?.FindFirst(ApiKeyDefaults.OrganizationClaim)?.Value is { } organization
        && user.FindFirst(ApiKeyDefaults.KeyIdClaim)?.Value is { } keyId
            ? new ApiKeyIdentity(organization, keyId)
            : null;
}
