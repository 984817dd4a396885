namespace Missions.Grpc.Auth;

/// <summary>
/// Refuses to start without usable keys (the message says what to set); never prints a key. Outside Development a key
/// must be at least <see cref="MinKeyLength"/> characters: a short key can be guessed.
/// </summary>
internal sealed class AuthOptionsValidator(bool allowShortKeys) : Microsoft.Extensions.Options.IValidateOptions<AuthOptions>
{
    public const int MaxOrganizationLength = 128;

    public const int MinKeyLength = 16;

    public AuthOptionsValidator(IHostEnvironment environment)
        : this(allowShortKeys: environment.IsDevelopment())
    {
    }

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
            var entry = options.ApiKeys[i];
            if (!string.IsNullOrEmpty(entry.Key) && !string.IsNullOrEmpty(entry.KeySha256))
            {
                errors.Add($"Auth:ApiKeys:{i} sets both Key and KeySha256: set one.");
            }
            else if (!string.IsNullOrEmpty(entry.KeySha256) && entry.Digest() is null)
            {
                errors.Add($"Auth:ApiKeys:{i}:KeySha256 must be 64 hex digits (the SHA-256 of the key: printf %s \"$KEY\" | sha256sum).");
            }
            else if (entry.Digest() is null)
            {
                errors.Add($"Auth:ApiKeys:{i}:Key is empty (set Key, or KeySha256).");
            }
            else if (!allowShortKeys && !string.IsNullOrEmpty(entry.Key) && entry.Key.Trim().Length < MinKeyLength)
            {
                errors.Add($"Auth:ApiKeys:{i}:Key is shorter than {MinKeyLength} characters: use a long random secret (e.g. openssl rand -hex 32).");
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
        if (options.ApiKeys.Select(k => k.Digest()).OfType<byte[]>().GroupBy(Convert.ToHexString).Any(g => g.Count() > 1))
        {
            errors.Add("The same key is configured more than once under Auth:ApiKeys.");
        }
        return errors.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
