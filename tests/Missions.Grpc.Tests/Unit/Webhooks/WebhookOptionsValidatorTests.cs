using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Missions.Grpc.Webhooks;

namespace Missions.Grpc.Tests.Unit.Webhooks;

/// <summary>Webhook settings that could not work refuse the start, naming the setting.</summary>
public sealed class WebhookOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(WebhookOptions options) => new WebhookOptionsValidator().Validate(null, options);

    [Fact]
    public void The_defaults_are_valid_and_retry_for_about_27_and_a_half_hours()
    {
        var options = new WebhookOptions();
        Assert.True(Validate(options).Succeeded);
        Assert.Equal(7, options.RetrySchedule.Length);
        Assert.Equal(new TimeSpan(27, 35, 5), options.RetrySchedule.Aggregate(TimeSpan.Zero, (a, b) => a + b));
        Assert.NotSame(options.RetrySchedule, new WebhookOptions().RetrySchedule); // no shared, mutable default
    }

    [Theory]
    [InlineData("")]
    [InlineData("c2hvcnQ=")] // "short"
    [InlineData("not base64")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==")] // 64 bytes
    public void A_signing_key_must_be_a_base64_32_byte_seed(string key)
    {
        var result = Validate(new WebhookOptions { SigningKey = key });
        Assert.True(result.Failed);
        Assert.Contains("Webhooks:SigningKey must be the base64 of a 32-byte Ed25519 seed", result.FailureMessage);
        Assert.True(Validate(new WebhookOptions { SigningKey = Convert.ToBase64String(WebhookSigner.NewSeed()) }).Succeeded);
    }

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(1, true)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    public void The_timeout_is_between_one_second_and_five_minutes(double seconds, bool ok)
    {
        var result = Validate(new WebhookOptions { Timeout = TimeSpan.FromSeconds(seconds) });
        Assert.Equal(ok, result.Succeeded);
        if (!ok)
        {
            Assert.Contains("Webhooks:Timeout must be between 00:00:01 and 00:05:00", result.FailureMessage);
        }
    }

    [Fact]
    public void The_retry_schedule_is_one_or_more_positive_waits_of_at_most_a_week()
    {
        Assert.Contains("Webhooks:RetrySchedule must hold 1 to 50 waits", Validate(new WebhookOptions { RetrySchedule = [] }).FailureMessage);
        var result = Validate(new WebhookOptions { RetrySchedule = [TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.FromDays(8)] });
        Assert.Contains("Webhooks:RetrySchedule:1 must be more than 0", result.FailureMessage);
        Assert.Contains("Webhooks:RetrySchedule:2 must be more than 0 and at most 7.00:00:00", result.FailureMessage);
        Assert.DoesNotContain("RetrySchedule:0", result.FailureMessage);
    }

    [Fact]
    public void Concurrency_is_positive_and_an_endpoint_never_gets_more_than_all()
    {
        Assert.Contains("Webhooks:MaxConcurrentDeliveries", Validate(new WebhookOptions { MaxConcurrentDeliveries = 0 }).FailureMessage);
        Assert.Contains("Webhooks:MaxConcurrentPerEndpoint", Validate(new WebhookOptions { MaxConcurrentPerEndpoint = 0 }).FailureMessage);
        Assert.Contains("Webhooks:MaxConcurrentPerEndpoint", Validate(new WebhookOptions { MaxConcurrentDeliveries = 2, MaxConcurrentPerEndpoint = 3 }).FailureMessage);
        Assert.Contains("Webhooks:MaxConcurrentPerOrganization", Validate(new WebhookOptions { MaxConcurrentPerOrganization = 3 }).FailureMessage); // under an endpoint's 4
        Assert.Contains("Webhooks:MaxConcurrentPerOrganization", Validate(new WebhookOptions { MaxConcurrentPerOrganization = 129 }).FailureMessage);
        Assert.True(Validate(new WebhookOptions { MaxConcurrentPerOrganization = 4 }).Succeeded);
    }

    [Fact]
    public void Every_other_setting_is_bounded_and_named()
    {
        var result = Validate(new WebhookOptions
        {
            PollInterval = TimeSpan.Zero,
            DeliveryRetention = TimeSpan.FromMinutes(1),
            MaxUrlLength = 10,
            ExcerptLength = 0,
        });
        foreach (var setting in new[] { "PollInterval", "DeliveryRetention", "MaxUrlLength", "ExcerptLength" })
        {
            Assert.Contains($"Webhooks:{setting} must be between", result.FailureMessage);
        }
    }

    [Fact]
    public void A_configured_retry_schedule_replaces_the_default_instead_of_extending_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Webhooks:RetrySchedule:0"] = "00:00:01",
            ["Webhooks:RetrySchedule:1"] = "01:00:00",
            ["Webhooks:Timeout"] = "00:00:30",
            ["Webhooks:AllowHttp"] = "true",
        }).Build();
        var options = new WebhookOptions();
        WebhookOptionsBinding.Bind(configuration.GetSection(WebhookOptions.SectionName), options);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)], options.RetrySchedule);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Timeout);
        Assert.True(options.AllowHttp);

        var unset = new WebhookOptions();
        WebhookOptionsBinding.Bind(new ConfigurationBuilder().Build().GetSection(WebhookOptions.SectionName), unset);
        Assert.Equal(WebhookOptions.DefaultRetrySchedule(), unset.RetrySchedule);
    }
}
