using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;
using Missions.Grpc.Errors;
using Missions.Grpc.Protocol;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.Rest;

/// <summary>
/// The REST face: ASP.NET Core's JSON transcoding of the gRPC services, shaped into the spec's answers (status codes,
/// FastAPI's error bodies, query aliases: <see cref="RestShapingMiddleware"/>, over the transcoder through
/// <see cref="TranscoderBridge"/>, whose assumptions are checked as the host starts).
/// </summary>
public static class RestComposition
{
    public static WebApplicationBuilder AddMissionsRestFace(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RestOptions>().BindAtStart(RestOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        TranscoderBridge.AddTo(services);
        services.AddSingleton<RestMessageInterceptor>();
        // One request size limit for both faces.
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<RestOptions>>((grpc, rest) =>
            grpc.MaxReceiveMessageSize = rest.Value.MaxRequestBodyBytes);
        return builder;
    }

    /// <summary>
    /// REST requests' own error answers, after routing (the face is known then): anything thrown outside a gRPC handler
    /// is 500 <c>{"detail":"Internal server error"}</c>, and the empty 404/405 of routing get FastAPI's body. Native gRPC
    /// calls skip this: grpc-dotnet answers their errors.
    /// </summary>
    public static WebApplication UseMissionsRestErrors(this WebApplication app)
    {
        app.UseWhen(context => !Faces.IsNativeGrpc(context), rest =>
        {
            rest.UseExceptionHandler(errors => errors.Run(context =>
                RestErrors.WriteDetailAsync(context.Response, StatusCodes.Status500InternalServerError, ErrorInterceptor.InternalDetail)));
            rest.UseStatusCodePages(context =>
                RestErrors.WriteDetailAsync(context.HttpContext.Response, context.HttpContext.Response.StatusCode,
                    Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(context.HttpContext.Response.StatusCode)));
        });
        return app;
    }

    /// <summary>Rewrites transcoded answers into the spec's (after authentication: a refused caller is answered as the spec says too).</summary>
    public static WebApplication UseMissionsRestShaping(this WebApplication app)
    {
        app.UseMiddleware<RestShapingMiddleware>();
        return app;
    }
}
