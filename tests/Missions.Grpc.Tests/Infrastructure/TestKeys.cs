namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>API keys the test hosts are configured with: two organizations, to prove isolation.</summary>
public static class TestKeys
{
    public const string OrgA = "org-a";
    public const string KeyA = "test-key-org-a-0123456789";
    public const string OrgB = "org-b";
    public const string KeyB = "test-key-org-b-0123456789";

    /// <summary>The settings that configure both keys (configuration keys as in README).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Auth:ApiKeys:0:Key", KeyA),
        new("Auth:ApiKeys:0:Organization", OrgA),
        // Key B is configured by its digest (keys at rest): every test that calls as organization B proves that form.
        new("Auth:ApiKeys:1:KeySha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(KeyB)))),
        new("Auth:ApiKeys:1:Organization", OrgB),
    ];
}
