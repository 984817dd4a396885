namespace Missions.Grpc.Auth;

/// <summary>Configuration section <c>Auth</c>: the API keys accepted, each bound to one organization.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary><c>Auth:ApiKeys:N:Key</c> and <c>Auth:ApiKeys:N:Organization</c>.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];
}

public sealed class ApiKeyEntry
{
    public string Key { get; set; } = "";

    public string Organization { get; set; } = "";
}

/// <summary>Refuses to start without usable keys (the message says what to set); never prints a key.</summary>
public sealed class AuthOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<AuthOptions>
{
    public const int MaxOrganizationLength = 128;

    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.ApiKeys.Count == 0)
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Fail(
                "No API keys are configured. Set at least one key and its organization, e.g. environment variables " +
                "Auth__ApiKeys__0__Key=<secret> and Auth__ApiKeys__0__Organization=<org>. " +
                "(Only the Development environment ships a local key, in appsettings.Development.json.)");
        }
        var errors = new List<string>();
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.ApiKeys[i].Key))
            {
                errors.Add($"Auth:ApiKeys:{i}:Key is empty.");
            }
            var organization = options.ApiKeys[i].Organization;
            if (string.IsNullOrWhiteSpace(organization))
            {
                errors.Add($"Auth:ApiKeys:{i}:Organization is empty.");
            }
            else if (organization.Length > MaxOrganizationLength || organization.Any(char.IsControl))
            {
                // Every storage key starts with the organization: it must stay short and hold no separator.
                errors.Add($"Auth:ApiKeys:{i}:Organization must be at most {MaxOrganizationLength} characters, without control characters.");
            }
        }
        if (options.ApiKeys.Where(k => !string.IsNullOrEmpty(k.Key)).GroupBy(k => k.Key).Any(g => g.Count() > 1))
        {
            errors.Add("The same key is configured more than once under Auth:ApiKeys.");
        }
        return errors.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
