using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Missions.Grpc.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Missions.Grpc.Errors;
using Missions.Grpc.Protocol;
using Missions.Grpc.OpenApi;
using Missions.Grpc.RateLimiting;
using Missions.Grpc.Rest;
using Missions.Grpc.Services;
using Missions.Grpc.Storage;
using Missions.Grpc.Validation;
using Missions.Grpc.Telemetry;
using Missions.Grpc.Tls;
using Missions.Grpc.Watch;
using Missions.Grpc.V1;
using Missions.Grpc.WebConsole;
using ProtoValidate;

namespace Missions.Grpc.Hosting;

/// <summary>How the server is put together: services, then the request pipeline (docs/architecture.md → A request).</summary>
public static class MissionsServerComposition
{
    /// <summary>The proto files of the public API: every service in them is served and validated.</summary>
    public static IReadOnlyList<Google.Protobuf.Reflection.FileDescriptor> ApiFiles { get; } =
        [MissionsReflection.Descriptor, RunsReflection.Descriptor, PlansReflection.Descriptor, EventsReflection.Descriptor,
            AgentsReflection.Descriptor, WatchReflection.Descriptor, AttachmentsReflection.Descriptor];

    public static WebApplicationBuilder AddMissionsServer(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        // Options one way: bound from their section, validated when the host starts (Program prints the failure).
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddOptions<RestOptions>().BindConfiguration(RestOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ValidationOptions>().BindConfiguration(ValidationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WatchOptions>().BindConfiguration(WatchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.SectionName);
        services.AddMissionStorage(builder.Configuration);
        builder.AddMissionsTelemetry();
        builder.AddMissionsTls();
        // Log scopes carry the current trace and span ids (shown by the JSON console formatter with IncludeScopes).
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        services.PostConfigure<StorageOptions>(o =>
            o.LiteDb.Path = Path.GetFullPath(o.LiteDb.Path, builder.Environment.ContentRootPath));

        // Authentication is ASP.NET Core's: the bearer key becomes claims; endpoints say who may call them.
        services.AddSingleton<ApiKeyAuthenticator>();
        // The API's endpoints require the default policy: an authenticated caller of this scheme.
        services.AddAuthentication(ApiKeyDefaults.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        services.AddAuthorization(options => options.DefaultPolicy = new AuthorizationPolicyBuilder(ApiKeyDefaults.Scheme)
            .RequireAuthenticatedUser()
            .Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        services.AddHttpContextAccessor();
        services.AddScoped<CallerContext>();
        services.AddKeyRateLimiting();

        services.AddSingleton<RunWatcher>();
        services.AddSingleton(sp => new MessageValidator(
            ApiFiles.SelectMany(f => f.Services),
            sp.GetRequiredService<IOptions<ValidationOptions>>().Value.MaxFreeFormDepth,
            new Validator(new ValidatorOptions { FileDescriptors = [.. ApiFiles] })));

        var grpc = services.AddGrpc(options =>
            {
                options.CompressionProviders = GuardedCompressionProvider.Defaults();
                options.EnableDetailedErrors = false;
            });
        grpc.AddJsonTranscoding(options => options.TypeRegistry = RestShapingMiddleware.ErrorTypes);
        // The API's call pipeline, in order; only the API services run it (health and reflection have no use for it).
        // Stateless, so one instance each: grpc-dotnet takes interceptors registered in DI instead of creating one per call.
        services.AddSingleton<ErrorInterceptor>();
        services.AddSingleton<AuthorizationInterceptor>();
        services.AddSingleton<RateLimitInterceptor>();
        services.AddSingleton<RestMessageInterceptor>();
        services.AddSingleton<ValidationInterceptor>();
        services.AddSingleton<Idempotency.IdempotencyInterceptor>();
        services.AddOptions<Idempotency.IdempotencyOptions>().BindConfiguration(Idempotency.IdempotencyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<Idempotency.IdempotencyPurge>();
        foreach (var api in ApiServices)
        {
            api.Configure(grpc);
        }
        // One request size limit for both faces.
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<RestOptions>>((grpc, rest) =>
            grpc.MaxReceiveMessageSize = rest.Value.MaxRequestBodyBytes);
        // Before the guard: AddGrpcSwagger calls AddGrpc again, which would re-add the binder the guard replaces.
        services.AddMissionsOpenApi();
        services.AddMalformedRequestGuard();
        services.AddMissionsReflection();
        // gRPC health answers from the last published report (the check runs once a second, not once per call);
        // /healthz runs the check per request. The first report is published before the server listens.
        // grpc.health.v1: "" is the server (storage and readiness); each API service by its full name is readiness.
        services.AddGrpcHealthChecks(options =>
            {
                options.UseHealthChecksCache = true;
                foreach (var service in ApiFiles.SelectMany(f => f.Services))
                {
                    options.Services.Map(service.FullName, check => check.Tags.Contains(ReadinessHealthCheck.Tag));
                }
            })
            .AddCheck<StorageHealthCheck>(StorageHealthCheck.Name, tags: [StorageHealthCheck.Name])
            .AddCheck<ReadinessHealthCheck>(ReadinessHealthCheck.Tag, tags: [ReadinessHealthCheck.Tag]);
        services.Configure<HealthCheckPublisherOptions>(options =>
        {
            options.Delay = TimeSpan.Zero;
            options.Period = TimeSpan.FromSeconds(1);
        });
        return builder;
    }

    /// <summary>
    /// Validates configuration and opens storage before the host starts, so that a refused start (bad settings, a
    /// locked, unreadable or full database) is one line from Program, not the host's stack trace, and never the
    /// first request's problem.
    /// </summary>
    public static WebApplication OpenMissionStorage(this WebApplication app)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.Services.GetRequiredService<IStorageHealth>();
        PublishHealth(app.Services);
        return app;
    }

    public static WebApplication UseMissionsServer(this WebApplication app)
    {
        app.UseMiddleware<FailedRequestLogging>();
        app.UseRouting();
        // REST-only middleware is not run for native gRPC calls (known after routing): grpc-dotnet answers its own
        // errors, and they have no use for status code pages or the OpenAPI document.
        app.UseWhen(context => !Faces.IsNativeGrpc(context), rest =>
        {
            // Anything thrown outside a gRPC handler: 500 {"detail":"Internal server error"}, no internals.
            rest.UseExceptionHandler(errors => errors.Run(context =>
                RestErrors.WriteDetailAsync(context.Response, StatusCodes.Status500InternalServerError, RestErrors.InternalDetail)));
            // Empty 404/405 from routing get FastAPI's body: {"detail":"Not Found"}.
            rest.UseStatusCodePages(context =>
                RestErrors.WriteDetailAsync(context.HttpContext.Response, context.HttpContext.Response.StatusCode,
                    Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(context.HttpContext.Response.StatusCode)));
            rest.UseMissionsOpenApi();
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseKeyRateLimiting();
        app.UseMiddleware<RestShapingMiddleware>();

        foreach (var api in ApiServices)
        {
            api.Map(app);
        }
        app.MapGrpcReflectionService().AllowAnonymous();
        app.MapMissionsMetrics();
        app.MapMissionsConsole();
        app.MapGrpcHealthChecksService().AllowAnonymous();
        // /healthz: storage as it is (200 Healthy or Degraded, 503 Unhealthy); /healthz/live: the process answers;
        // /healthz/ready: started, not draining, storage serving (for Kubernetes probes and load balancers).
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(StorageHealthCheck.Name) }).AllowAnonymous();
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadinessHealthCheck.Tag) }).AllowAnonymous();
        // Readiness changes at these two moments: published at once, not at the next period.
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() => PublishHealth(app.Services));
        lifetime.ApplicationStopping.Register(() => PublishHealth(app.Services));
        return app;
    }

    /// <summary>Runs the health checks once and hands the report to the publishers (gRPC health's cache among them).</summary>
    private static void PublishHealth(IServiceProvider services)
    {
        var report = services.GetRequiredService<HealthCheckService>().CheckHealthAsync().GetAwaiter().GetResult();
        foreach (var publisher in services.GetServices<IHealthCheckPublisher>())
        {
            publisher.PublishAsync(report, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    /// <summary>The API's services, each served on both faces with the API's call pipeline.</summary>
    private static readonly IApiService[] ApiServices =
    [
        new ApiService<MissionsServiceImpl>(), new ApiService<MissionRunsServiceImpl>(), new ApiService<RunPlansServiceImpl>(),
        new ApiService<RunEventsServiceImpl>(), new ApiService<RunTelnyxAgentsServiceImpl>(), new ApiService<RunWatchServiceImpl>(),
        new ApiService<MissionAttachmentsServiceImpl>(),
    ];

    private interface IApiService
    {
        void Configure(IGrpcServerBuilder grpc);

        void Map(IEndpointRouteBuilder endpoints);
    }

    private sealed class ApiService<T> : IApiService where T : class
    {
        public void Configure(IGrpcServerBuilder grpc) => grpc.AddServiceOptions<T>(options =>
        {
            options.Interceptors.Add<ErrorInterceptor>();
            options.Interceptors.Add<AuthorizationInterceptor>();
            options.Interceptors.Add<RateLimitInterceptor>();
            options.Interceptors.Add<RestMessageInterceptor>();
            options.Interceptors.Add<ValidationInterceptor>();
            options.Interceptors.Add<Idempotency.IdempotencyInterceptor>(); // last: it fingerprints the validated message
        });

        /// <summary>Every method, on both faces, needs an authenticated caller.</summary>
        public void Map(IEndpointRouteBuilder endpoints) => endpoints.MapGrpcService<T>().RequireAuthorization();
    }
}
