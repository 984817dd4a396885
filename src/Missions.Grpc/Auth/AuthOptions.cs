namespace Missions.Grpc.Auth;

/// <summary>Configuration section <c>Auth</c>: the API keys accepted, each bound to one organization.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary><c>Auth:ApiKeys:N:Key</c> (or <c>:KeySha256</c>) and <c>Auth:ApiKeys:N:Organization</c>.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];
}
