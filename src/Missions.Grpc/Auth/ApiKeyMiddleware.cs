using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Missions.Grpc.Rest;

namespace Missions.Grpc.Auth;

/// <summary>
/// Bearer-key authentication for both faces, before anything reads the body: REST gets 401
/// <c>{"detail": ...}</c> with <c>WWW-Authenticate: Bearer</c>, gRPC gets UNAUTHENTICATED. It guards
/// the service methods (gRPC and transcoded endpoints); those marked <see cref="IAllowAnonymous"/>
/// (health, reflection) are open, and so are routing's own answers (404, 405), as in FastAPI where
/// auth is a dependency of a matched route. Keys are never logged.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyAuthenticator authenticator)
{
    private const string Scheme = "Bearer ";

    public async Task InvokeAsync(HttpContext context, CallerContext caller)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<GrpcMethodMetadata>() is null
            || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(context);
            return;
        }
        string? organization = null;
        string problem;
        var header = context.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            problem = "Not authenticated: send Authorization: Bearer <API key>";
        }
        else if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            problem = "Invalid authorization scheme: expected Bearer";
        }
        else
        {
            organization = authenticator.Authenticate(header.AsSpan(Scheme.Length).Trim());
            problem = "Invalid API key";
        }
        if (organization is null)
        {
            await RejectAsync(context, problem, isRest: endpoint.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not null);
            return;
        }
        caller.Organization = organization;
        await next(context);
    }

    private static Task RejectAsync(HttpContext context, string detail, bool isRest)
    {
        var response = context.Response;
        if (!isRest)
        {
            // A trailers-only gRPC response: status in the headers, no body.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = ((int)global::Grpc.Core.StatusCode.Unauthenticated).ToString();
            response.Headers["grpc-message"] = detail;
            return Task.CompletedTask;
        }
        return RestErrors.WriteDetailAsync(response, StatusCodes.Status401Unauthorized, detail);
    }
}
