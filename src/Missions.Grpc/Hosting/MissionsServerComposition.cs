using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;
using Missions.Grpc.Auth;
using Missions.Grpc.Errors;
using Missions.Grpc.OpenApi;
using Missions.Grpc.RateLimiting;
using Missions.Grpc.Rest;
using Missions.Grpc.Services;
using Missions.Grpc.Storage;
using Missions.Grpc.Validation;
using Missions.Grpc.Watch;
using Missions.Grpc.V1;
using ProtoValidate;

namespace Missions.Grpc.Hosting;

/// <summary>How the server is put together: services, then the request pipeline (DESIGN.md → Request path).</summary>
public static class MissionsServerComposition
{
    /// <summary>The proto files of the public API: every service in them is served and validated.</summary>
    public static IReadOnlyList<Google.Protobuf.Reflection.FileDescriptor> ApiFiles { get; } =
        [MissionsReflection.Descriptor, RunsReflection.Descriptor, PlansReflection.Descriptor, EventsReflection.Descriptor,
            AgentsReflection.Descriptor, WatchReflection.Descriptor, AttachmentsReflection.Descriptor];

    public static WebApplicationBuilder AddMissionsServer(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddScoped<CallerContext>();

        services.AddOptions<RestOptions>().Bind(configuration.GetSection(RestOptions.SectionName));
        var rest = configuration.GetSection(RestOptions.SectionName).Get<RestOptions>() ?? new RestOptions();

        var rateLimits = configuration.GetSection(RateLimitOptions.SectionName).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddSingleton(rateLimits);
        services.AddKeyRateLimiting(rateLimits);

        services.AddMissionStorage(configuration);
        services.AddOptions<WatchOptions>().Bind(configuration.GetSection(WatchOptions.SectionName));
        services.AddSingleton<RunWatcher>();
        services.PostConfigure<StorageOptions>(o =>
            o.LiteDb.Path = Path.GetFullPath(o.LiteDb.Path, builder.Environment.ContentRootPath));

        services.AddSingleton(new MessageValidator(
            ApiFiles.SelectMany(f => f.Services),
            configuration.GetValue("Validation:MaxFreeFormDepth", MessageValidator.DefaultMaxFreeFormDepth),
            new Validator(new ValidatorOptions { FileDescriptors = [.. ApiFiles] })));

        services.AddGrpc(options =>
            {
                options.Interceptors.Add<ErrorInterceptor>();
                options.Interceptors.Add<RestMessageInterceptor>();
                options.Interceptors.Add<ValidationInterceptor>();
                options.MaxReceiveMessageSize = rest.MaxRequestBodyBytes;
                options.CompressionProviders = GuardedCompressionProvider.Defaults();
                options.EnableDetailedErrors = false;
            })
            .AddJsonTranscoding(options => options.TypeRegistry = RestShapingMiddleware.ErrorTypes);
        // Before the guard: AddGrpcSwagger calls AddGrpc again, which would re-add the binder the guard replaces.
        services.AddMissionsOpenApi();
        services.AddMalformedRequestGuard();
        services.AddMissionsReflection();
        services.AddGrpcHealthChecks().AddCheck<StorageHealthCheck>("storage");
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
        return app;
    }

    public static WebApplication UseMissionsServer(this WebApplication app)
    {

        // Anything thrown outside a gRPC handler: 500 {"detail":"Internal server error"}, no internals.
        app.UseExceptionHandler(errors => errors.Run(context =>
            RestErrors.WriteDetailAsync(context.Response, StatusCodes.Status500InternalServerError, RestErrors.InternalDetail)));
        // Empty 404/405 from routing get FastAPI's body: {"detail":"Not Found"}.
        app.UseStatusCodePages(context =>
            RestErrors.WriteDetailAsync(context.HttpContext.Response, context.HttpContext.Response.StatusCode,
                Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(context.HttpContext.Response.StatusCode)));
        app.UseMissionsOpenApi();
        app.UseRouting();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseKeyRateLimiting(app.Services.GetRequiredService<RateLimitOptions>());
        app.UseMiddleware<RestShapingMiddleware>();

        app.MapGrpcService<MissionsServiceImpl>();
        app.MapGrpcService<MissionRunsServiceImpl>();
        app.MapGrpcService<RunPlansServiceImpl>();
        app.MapGrpcService<RunEventsServiceImpl>();
        app.MapGrpcService<RunTelnyxAgentsServiceImpl>();
        app.MapGrpcService<RunWatchServiceImpl>();
        app.MapGrpcService<MissionAttachmentsServiceImpl>();
        app.MapGrpcReflectionService().AllowAnonymous();
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapHealthChecks("/healthz").AllowAnonymous();
        return app;
    }
}
