using Missions.Grpc.Auth;

namespace Missions.Grpc.Tests.Unit;

/// <summary>Configured organizations start every storage key: they must be short and hold no separator.</summary>
public sealed class AuthOptionsValidatorTests
{
    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(string organization) =>
        new AuthOptionsValidator().Validate(null, new AuthOptions { ApiKeys = [new ApiKeyEntry { Key = "k", Organization = organization }] });

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
}
