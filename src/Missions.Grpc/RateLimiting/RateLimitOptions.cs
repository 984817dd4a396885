namespace Missions.Grpc.RateLimiting;

/// <summary>
/// Configuration section <c>RateLimiting</c>: a token bucket per API key. On by default; off in the
/// Development environment (appsettings.Development.json).
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>Burst: requests a key may make at once.</summary>
    public int TokenLimit { get; set; } = 200;

    /// <summary>Sustained rate: tokens added per period.</summary>
    public int TokensPerPeriod { get; set; } = 100;

    /// <summary>The period, in seconds.</summary>
    public int ReplenishmentSeconds { get; set; } = 1;
}
