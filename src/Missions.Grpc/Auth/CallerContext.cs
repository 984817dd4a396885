namespace Missions.Grpc.Auth;

/// <summary>
/// Who is calling, per request (scoped). Set by <see cref="ApiKeyMiddleware"/> before any handler
/// runs; handlers read the organization from here and never touch HttpContext.
/// </summary>
public sealed class CallerContext
{
    private string? _organization;

    public string Organization
    {
        get => _organization ?? throw new InvalidOperationException("The caller was not authenticated.");
        set => _organization = value;
    }
}
