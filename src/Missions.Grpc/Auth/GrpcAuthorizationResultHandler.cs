using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Missions.Grpc.Hosting;

namespace Missions.Grpc.Auth;

/// <summary>A native gRPC call authorization refused, carried to <see cref="AuthorizationInterceptor"/>.</summary>
internal sealed record RefusedCall(StatusCode Code, string Detail);

/// <summary>
/// Authorization's answer in the caller's protocol. A REST request is challenged (401, <see cref="ApiKeyAuthenticationHandler"/>)
/// or forbidden as usual. A native gRPC call goes on to its endpoint instead, carrying the refusal, so that
/// <see cref="AuthorizationInterceptor"/> raises it inside grpc-dotnet and Grpc.AspNetCore writes the status itself
/// (a bare HTTP 401 would reach gRPC clients as "Bad gRPC response", without our message).
/// </summary>
public sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
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

/// <summary>Raises the refusal <see cref="GrpcAuthorizationResultHandler"/> let through, before anything else runs.</summary>
public sealed class AuthorizationInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Refuse(context);
        return continuation(requestStream, responseStream, context);
    }

    private static void Refuse(ServerCallContext context)
    {
        if (context.GetHttpContext().Features.Get<RefusedCall>() is { } refused)
        {
            throw new RpcException(new Status(refused.Code, refused.Detail));
        }
    }
}
