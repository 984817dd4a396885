using Missions.Grpc.Answers;
using Grpc.AspNetCore.Server;
using Missions.Grpc.Auth;
using Missions.Grpc.Errors;
using Missions.Grpc.Idempotency;
using Missions.Grpc.Protocol;
using Missions.Grpc.RateLimiting;
using Missions.Grpc.Rest;
using Missions.Grpc.Services;
using Missions.Grpc.Validation;
using Missions.Grpc.Watch;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.Hosting;

/// <summary>
/// The API: its gRPC services, served on both faces behind the API's call pipeline (the interceptors, in order), with
/// server reflection. The interceptors are registered by their concerns (<c>AddMissionsAuth</c>,
/// <c>AddMissionsRateLimiting</c>, <c>AddMissionsRestFace</c>, <c>AddMissionsValidation</c>,
/// <c>AddMissionsIdempotency</c>); this puts them in order.
/// </summary>
public static class ApiComposition
{
    /// <summary>The API's services, each served on both faces with the API's call pipeline.</summary>
    private static readonly IApiService[] ApiServices =
    [
        new ApiService<MissionsServiceImpl>(), new ApiService<MissionRunsServiceImpl>(), new ApiService<RunPlansServiceImpl>(),
        new ApiService<RunEventsServiceImpl>(), new ApiService<RunTelnyxAgentsServiceImpl>(), new ApiService<RunWatchServiceImpl>(),
        new ApiService<MissionAttachmentsServiceImpl>(), new ApiService<MissionWebhooksServiceImpl>(),
    ];

    /// <summary>After <c>AddMissionsOpenApi</c> (see <see cref="MalformedRequestGuard"/>).</summary>
    public static WebApplicationBuilder AddMissionsApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var grpc = services.AddGrpc(options =>
        {
            options.CompressionProviders = GuardedCompressionProvider.Defaults();
            options.EnableDetailedErrors = false;
        });
        // Stateless, so one instance each: grpc-dotnet takes interceptors registered in DI instead of creating one per call.
        services.AddSingleton<ErrorInterceptor>();
        foreach (var api in ApiServices)
        {
            api.Configure(grpc);
        }
        services.AddOptions<WatchOptions>().BindAtStart(WatchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WatchSlots>();
        services.AddSingleton<RunWatcher>();
        services.AddMalformedRequestGuard();
        services.AddMissionsReflection();
        return builder;
    }

    /// <summary>Every API method, on both faces, needs an authenticated caller; reflection does not.</summary>
    public static WebApplication MapMissionsApi(this WebApplication app)
    {
        foreach (var api in ApiServices)
        {
            api.Map(app);
        }
        app.MapGrpcReflectionService().AllowAnonymous();
        return app;
    }

    private interface IApiService
    {
        void Configure(IGrpcServerBuilder grpc);

        void Map(IEndpointRouteBuilder endpoints);
    }

    private sealed class ApiService<T> : IApiService where T : class
    {
        /// <summary>The API's call pipeline, in order; only the API services run it (health and reflection have no use for it).</summary>
        public void Configure(IGrpcServerBuilder grpc) => grpc.AddServiceOptions<T>(options =>
        {
            options.Interceptors.Add<ErrorInterceptor>();
            options.Interceptors.Add<AuthorizationInterceptor>();
            options.Interceptors.Add<RateLimitInterceptor>();
            options.Interceptors.Add<RestMessageInterceptor>();
            options.Interceptors.Add<ValidationInterceptor>();
            options.Interceptors.Add<LargeAnswerInterceptor>(); // a valid request only: its page size is in range
            options.Interceptors.Add<IdempotencyInterceptor>(); // last: it fingerprints the validated message
        });

        public void Map(IEndpointRouteBuilder endpoints) => endpoints.MapGrpcService<T>().RequireAuthorization();
    }
}
