namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>API keys the test hosts are configured with: two organizations, to prove isolation.</summary>
public static class TestKeys
{
    public const string OrgA = "org-a";
    public const string KeyA = "test-key-org-a";
    public const string OrgB = "org-b";
    public const string KeyB = "test-key-org-b";

    /// <summary>The settings that configure both keys (configuration keys as in README).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Auth:ApiKeys:0:Key", KeyA),
        new("Auth:ApiKeys:0:Organization", OrgA),
        new("Auth:ApiKeys:1:Key", KeyB),
        new("Auth:ApiKeys:1:Organization", OrgB),
    ];
}
