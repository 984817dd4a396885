using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Missions.Grpc.Protocol;

namespace Missions.Grpc.Auth;

/// <summary>
/// Authorization's answer in the caller's protocol. A REST request is challenged (401, <see cref="ApiKeyAuthenticationHandler"/>)
/// or forbidden as usual. A native gRPC call goes on to its endpoint instead, carrying the refusal, so that
/// <see cref="AuthorizationInterceptor"/> raises it inside grpc-dotnet and Grpc.AspNetCore writes the status itself
/// (a bare HTTP 401 would reach gRPC clients as "Bad gRPC response", without our message).
/// </summary>
internal sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || !Faces.IsNativeGrpc(context))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        context.Features.Set(authorizeResult.Forbidden
            ? new RefusedCall(StatusCode.PermissionDenied, "This API key may not call this method")
            : new RefusedCall(StatusCode.Unauthenticated, await ApiKeyAuthenticationHandler.FailureAsync(context)));
        await next(context);
    }
}
