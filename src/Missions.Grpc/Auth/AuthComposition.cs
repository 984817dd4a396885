using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

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
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddAuthentication(ApiKeyDefaults.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        services.AddAuthorization(options => options.DefaultPolicy = new AuthorizationPolicyBuilder(ApiKeyDefaults.Scheme)
            .RequireAuthenticatedUser()
            .Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        services.AddHttpContextAccessor();
        services.AddScoped<CallerContext>();
        services.AddSingleton<AuthorizationInterceptor>();
        return builder;
    }
}
