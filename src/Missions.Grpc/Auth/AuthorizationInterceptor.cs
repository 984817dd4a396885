using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Missions.Grpc.Auth;

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
