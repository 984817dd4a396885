using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authorization;
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
        ApiKeyIdentity? identity = null;
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
            identity = authenticator.Authenticate(header.AsSpan(Scheme.Length).Trim());
            problem = "Invalid API key";
        }
        if (identity is null)
        {
            await RestErrors.RejectAsync(context, global::Grpc.Core.StatusCode.Unauthenticated, problem);
            return;
        }
        caller.Identity = identity;
        await next(context);
    }
}
