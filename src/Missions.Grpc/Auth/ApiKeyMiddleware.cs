using Microsoft.AspNetCore.Authorization;
using Missions.Grpc.Rest;

namespace Missions.Grpc.Auth;

/// <summary>
/// Bearer-key authentication for both faces, before anything reads the body: REST gets 401
/// <c>{"detail": ...}</c> with <c>WWW-Authenticate: Bearer</c>, gRPC gets UNAUTHENTICATED. Endpoints
/// marked <see cref="IAllowAnonymous"/> (health, reflection) are open. Keys are never logged.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyAuthenticator authenticator)
{
    private const string Scheme = "Bearer ";

    public async Task InvokeAsync(HttpContext context, CallerContext caller)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
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
            await RejectAsync(context, problem);
            return;
        }
        caller.Organization = organization;
        await next(context);
    }

    private static Task RejectAsync(HttpContext context, string detail)
    {
        var response = context.Response;
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
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
