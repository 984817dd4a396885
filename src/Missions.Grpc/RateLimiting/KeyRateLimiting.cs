using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Missions.Grpc.Auth;
using Missions.Grpc.Rest;

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

/// <summary>
/// Per-key rate limiting with ASP.NET Core's rate limiter, after authentication (the partition is the
/// authenticated key, never the key text): a key over its budget gets REST 429 with <c>Retry-After</c> and
/// <c>{"detail": ...}</c>, or gRPC RESOURCE_EXHAUSTED with a <c>retry-after</c> header. Unauthenticated
/// endpoints (health, reflection, the OpenAPI document) are not limited.
/// </summary>
public static class KeyRateLimiting
{
    public static IServiceCollection AddKeyRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        if (!options.Enabled)
        {
            return services;
        }
        if (options.TokenLimit < 1 || options.TokensPerPeriod < 1 || options.ReplenishmentSeconds < 1)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(RateLimitOptions.SectionName, typeof(RateLimitOptions),
                ["RateLimiting:TokenLimit, RateLimiting:TokensPerPeriod and RateLimiting:ReplenishmentSeconds must be at least 1 (or set RateLimiting:Enabled=false)."]);
        }
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var caller = context.RequestServices.GetRequiredService<CallerContext>();
                return caller.IsAuthenticated
                    ? RateLimitPartition.GetTokenBucketLimiter(caller.Identity.KeyId, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = options.TokenLimit,
                        TokensPerPeriod = options.TokensPerPeriod,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(options.ReplenishmentSeconds),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter("unauthenticated");
            });
            limiter.OnRejected = (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
                    : options.ReplenishmentSeconds;
                var seconds = retryAfter.ToString(CultureInfo.InvariantCulture);
                rejected.HttpContext.Response.Headers.RetryAfter = seconds;
                return new ValueTask(RestErrors.RejectAsync(rejected.HttpContext, global::Grpc.Core.StatusCode.ResourceExhausted,
                    $"Rate limit exceeded for this API key: retry after {seconds} s", StatusCodes.Status429TooManyRequests));
            };
        });
        return services;
    }

    public static WebApplication UseKeyRateLimiting(this WebApplication app, RateLimitOptions options)
    {
        if (options.Enabled)
        {
            app.UseRateLimiter();
        }
        return app;
    }
}
