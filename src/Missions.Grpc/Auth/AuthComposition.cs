using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.Auth;

/// <summary>
/// Who calls: authentication is ASP.NET Core's (the bearer API key becomes claims, <see cref="ApiKeyAuthenticationHandler"/>),
/// and the API's endpoints require the default policy, an authenticated caller of that scheme.
/// </summary>
public static class AuthComposition
{
    public static WebApplicationBuilder AddMissionsAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Key changes are followed by ApiKeyAuthenticator, which refuses an invalid set with a log line.
        services.AddOptions<AuthOptions>().BindAtStart(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiKeyAuthenticator>());
        services.AddSingleton(sp => new FailedAuthentications(
            sp.GetRequiredService<IOptionsMonitor<AuthOptions>>(), sp.GetRequiredService<ILogger<FailedAuthentications>>(), sp.GetService<TimeProvider>()));
        services.AddAuthentication(ApiKeyDefaults.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        services.AddAuthorization(options => options.DefaultPolicy = new AuthorizationPolicyBuilder(ApiKeyDefaults.Scheme)
            .RequireAuthenticatedUser()
            .Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        services.AddHttpContextAccessor();
        services.AddScoped<CallerContext>();
        services.AddSingleton<AuthorizationInterceptor>();
        // A refused key is reported once a minute per address (FailedAuthentications), not by the framework's
        // Information lines per request ("… was not authenticated", "Authorization failed"), which let a caller flood the log.
        builder.Logging.AddFilter(typeof(ApiKeyAuthenticationHandler).FullName, LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Authorization.DefaultAuthorizationService", LogLevel.Warning);
        return builder;
    }

    /// <summary>
    /// The throttle of failed authentications per client address (<see cref="AuthThrottle"/>: before any key work), then
    /// authentication and authorization.
    /// </summary>
    public static WebApplication UseMissionsAuth(this WebApplication app)
    {
        app.UseMiddleware<AuthThrottle>();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
