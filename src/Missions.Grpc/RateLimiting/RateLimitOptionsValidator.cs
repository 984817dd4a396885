using Microsoft.Extensions.Options;

namespace Missions.Grpc.RateLimiting;

/// <summary>Refuses to start with a limit that would refuse everything.</summary>
internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options) =>
        !options.Enabled || (options.TokenLimit >= 1 && options.TokensPerPeriod >= 1 && options.ReplenishmentSeconds >= 1)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                "RateLimiting:TokenLimit, RateLimiting:TokensPerPeriod and RateLimiting:ReplenishmentSeconds must be at least 1 (or set RateLimiting:Enabled=false).");
}
