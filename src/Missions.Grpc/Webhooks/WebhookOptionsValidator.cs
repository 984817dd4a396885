using Microsoft.Extensions.Options;

namespace Missions.Grpc.Webhooks;

/// <summary>Refuses to start with webhook settings that could not work; each message names the setting.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public const int MaxRetries = 50;

    private static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(7);
    private static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MinRetention = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxRetention = TimeSpan.FromDays(365);

    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new List<string>();
        // An empty value is refused, not taken as unset: it is how a missing secret usually arrives (an empty
        // environment variable), and signing with a generated key instead would break every receiver's check.
        if (options.SigningKey is not null && !WebhookSigner.TryParseSeed(options.SigningKey, out _))
        {
            errors.Add("Webhooks:SigningKey must be the base64 of a 32-byte Ed25519 seed (e.g. openssl rand -base64 32), or unset to generate one.");
        }
        if (options.Timeout < MinTimeout || options.Timeout > MaxTimeout)
        {
            errors.Add($"Webhooks:Timeout must be between {MinTimeout:c} and {MaxTimeout:c}.");
        }
        var schedule = options.RetrySchedule ?? [];
        if (schedule.Length == 0 || schedule.Length > MaxRetries)
        {
            errors.Add($"Webhooks:RetrySchedule must hold 1 to {MaxRetries} waits (the waits between attempts, e.g. 00:00:05).");
        }
        for (var i = 0; i < schedule.Length; i++)
        {
            if (schedule[i] <= TimeSpan.Zero || schedule[i] > MaxWait)
            {
                errors.Add($"Webhooks:RetrySchedule:{i} must be more than 0 and at most {MaxWait:c}.");
            }
        }
        if (options.MaxConcurrentDeliveries is < 1 or > 10_000)
        {
            errors.Add("Webhooks:MaxConcurrentDeliveries must be between 1 and 10000.");
        }
        if (options.MaxConcurrentPerEndpoint < 1 || options.MaxConcurrentPerEndpoint > options.MaxConcurrentDeliveries)
        {
            errors.Add("Webhooks:MaxConcurrentPerEndpoint must be at least 1 and at most Webhooks:MaxConcurrentDeliveries.");
        }
        if (options.MaxConcurrentPerOrganization < options.MaxConcurrentPerEndpoint || options.MaxConcurrentPerOrganization > options.MaxConcurrentDeliveries)
        {
            errors.Add("Webhooks:MaxConcurrentPerOrganization must be at least Webhooks:MaxConcurrentPerEndpoint and at most Webhooks:MaxConcurrentDeliveries.");
        }
        if (options.PollInterval < MinPollInterval || options.PollInterval > MaxPollInterval)
        {
            errors.Add($"Webhooks:PollInterval must be between {MinPollInterval:c} and {MaxPollInterval:c}.");
        }
        if (options.DeliveryRetention < MinRetention || options.DeliveryRetention > MaxRetention)
        {
            errors.Add($"Webhooks:DeliveryRetention must be between {MinRetention:c} and {MaxRetention:c}.");
        }
        // Below 32 no https URL with a real host fits; above 8192 is past what receivers' servers accept in a request line.
        if (options.MaxUrlLength is < 32 or > 8192)
        {
            errors.Add("Webhooks:MaxUrlLength must be between 32 and 8192.");
        }
        if (options.ExcerptLength is < 1 or > 4096)
        {
            errors.Add("Webhooks:ExcerptLength must be between 1 and 4096.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
