using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Missions.Grpc.Rest;

/// <summary>
/// Hands a REST call's handler the message the REST adapter read from the request (the transcoder read nothing: see
/// <see cref="TranscoderBridge"/>); a gRPC call's message is the one grpc-dotnet read. Either way the next interceptor
/// validates it, once.
/// </summary>
internal sealed class RestMessageInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        TranscoderBridge.Unary(request, context, continuation);

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        TranscoderBridge.ServerStreaming(request, responseStream, context, continuation);
}
