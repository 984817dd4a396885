using Grpc.Core;
using Grpc.Core.Interceptors;
using Missions.Grpc.Hosting;

namespace Missions.Grpc.RateLimiting;

/// <summary>Admits a native gRPC call through <see cref="KeyRateLimiter"/> (REST requests were admitted by the middleware).</summary>
public sealed class RateLimitInterceptor(KeyRateLimiter limiter) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }

    private void Admit(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (limiter.Enabled && Faces.IsNativeGrpc(http))
        {
            limiter.Admit(http);
        }
    }
}
