namespace Missions.Grpc.Auth;

/// <summary>
/// Who is calling, per request (scoped). Set by <see cref="ApiKeyMiddleware"/> before any handler
/// runs; handlers read the organization from here and never touch HttpContext.
/// </summary>
public sealed class CallerContext
{
    private ApiKeyIdentity? _identity;

    public string Organization => Identity.Organization;

    /// <summary>The authenticated key (never the key itself).</summary>
    public ApiKeyIdentity Identity
    {
        get => _identity ?? throw new InvalidOperationException("The caller was not authenticated.");
        set => _identity = value;
    }

    public bool IsAuthenticated => _identity is not null;
}
