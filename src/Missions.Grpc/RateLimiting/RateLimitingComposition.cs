using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.RateLimiting;

/// <summary>Per-key rate limits, one token bucket per API key for both faces (<see cref="KeyRateLimiter"/>).</summary>
public static class RateLimitingComposition
{
    public static WebApplicationBuilder AddMissionsRateLimiting(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RateLimitOptions>().BindAtStart(RateLimitOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddSingleton<KeyRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<KeyRateLimiter>((options, limiter) =>
        {
            options.GlobalLimiter = limiter.ForRest();
            options.OnRejected = (rejected, _) => new ValueTask(limiter.RejectRestAsync(rejected.HttpContext, rejected.Lease));
        });
        services.AddSingleton<RateLimitInterceptor>(); // native gRPC calls; REST requests meet the middleware
        return builder;
    }

    /// <summary>The middleware, when limits are on (after authentication: the partition is the caller's key).</summary>
    /// <summary>REST requests are admitted here, before they are transcoded (native gRPC calls by the interceptor).</summary>
    public static WebApplication UseMissionsRateLimiting(this WebApplication app)
    {
        if (app.Services.GetRequiredService<KeyRateLimiter>().Enabled)
        {
            app.UseRateLimiter();
        }
        return app;
    }
}
