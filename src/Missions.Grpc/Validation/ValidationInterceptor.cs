using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Missions.Grpc.Validation;

/// <summary>Validates every request message with <see cref="MessageValidator"/> before its handler runs.</summary>
internal sealed class ValidationInterceptor(MessageValidator validator) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        validator.EnsureValid((IMessage)request);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        validator.EnsureValid((IMessage)request);
        return continuation(request, responseStream, context);
    }
}
