using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.RateLimiting;

/// <summary>Registration and middleware of the per-key rate limits (<see cref="KeyRateLimiter"/>).</summary>
public static class KeyRateLimiting
{
    public static IServiceCollection AddKeyRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddSingleton<KeyRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<KeyRateLimiter>((options, limiter) =>
        {
            options.GlobalLimiter = limiter.ForRest();
            options.OnRejected = (rejected, _) => new ValueTask(limiter.RejectRestAsync(rejected.HttpContext, rejected.Lease));
        });
        return services;
    }

    /// <summary>The middleware, when limits are on (after authentication: the partition is the caller's key).</summary>
    public static WebApplication UseKeyRateLimiting(this WebApplication app)
    {
        if (app.Services.GetRequiredService<KeyRateLimiter>().Enabled)
        {
            app.UseRateLimiter();
        }
        return app;
    }
}
