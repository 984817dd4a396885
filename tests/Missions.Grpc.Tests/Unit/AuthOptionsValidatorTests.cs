using Missions.Grpc.Auth;

namespace Missions.Grpc.Tests.Unit;

/// <summary>Configured organizations start every storage key: they must be short and hold no separator.</summary>
public sealed class AuthOptionsValidatorTests
{
    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(string organization) =>
        new AuthOptionsValidator(allowShortKeys: true).Validate(null, new AuthOptions { ApiKeys = [new ApiKeyEntry { Key = "k", Organization = organization }] });

    [Theory]
    [InlineData("acme", true)]
    [InlineData("a-128-character-organization", true)]
    [InlineData("with\u0001separator", false)]
    [InlineData("tab\there", false)]
    public void Organizations_without_control_characters_are_accepted(string organization, bool ok) =>
        Assert.Equal(ok, Validate(organization).Succeeded);

    [Fact]
    public void An_organization_longer_than_128_characters_is_refused_with_the_setting_named()
    {
        Assert.True(Validate(new string('o', 128)).Succeeded);
        var result = Validate(new string('o', 129));
        Assert.True(result.Failed);
        Assert.Contains("Auth:ApiKeys:0:Organization must be at most 128 characters", result.FailureMessage);
    }

    [Theory]
    [InlineData("k", "", true)]
    [InlineData("", "0D9F3F0A4E7F7E0E1B6B1B7F0C7C4F8B6E2F3A9D5C1B0A9E8D7C6B5A4F3E2D1C", true)] // upper case hex too
    [InlineData("", "0d9f3f0a", false)] // too short
    [InlineData("", "zz9f3f0a4e7f7e0e1b6b1b7f0c7c4f8b6e2f3a9d5c1b0a9e8d7c6b5a4f3e2d1c", false)] // not hex
    [InlineData("k", "0d9f3f0a4e7f7e0e1b6b1b7f0c7c4f8b6e2f3a9d5c1b0a9e8d7c6b5a4f3e2d1c", false)] // both
    [InlineData("", "", false)] // neither
    public void A_key_is_configured_by_itself_or_by_its_sha256_digest(string key, string digest, bool valid) =>
        Assert.Equal(valid, new AuthOptionsValidator(allowShortKeys: true).Validate(null,
            new AuthOptions { ApiKeys = [new ApiKeyEntry { Key = key, KeySha256 = digest, Organization = "org" }] }).Succeeded);

    [Fact]
    public void The_same_key_configured_plainly_and_by_digest_is_refused_as_a_duplicate()
    {
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("secret"u8));
        var result = new AuthOptionsValidator(allowShortKeys: true).Validate(null, new AuthOptions
        {
            ApiKeys = [new ApiKeyEntry { Key = "secret", Organization = "a" }, new ApiKeyEntry { KeySha256 = digest, Organization = "b" }],
        });
        Assert.Contains("more than once", result.FailureMessage);
    }

    [Theory]
    [InlineData("fifteen-chars-x", false, false)]
    [InlineData("sixteen-chars-xx", false, true)]
    [InlineData("short", true, true)] // Development: its local key
    public void Outside_development_a_key_must_be_at_least_16_characters(string key, bool development, bool valid)
    {
        var result = new AuthOptionsValidator(allowShortKeys: development).Validate(null,
            new AuthOptions { ApiKeys = [new ApiKeyEntry { Key = key, Organization = "org" }] });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Auth:ApiKeys:0:Key is shorter than 16 characters", result.FailureMessage);
            Assert.DoesNotContain(key, result.FailureMessage); // never prints a key
        }
    }
}
