using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Missions.Grpc.Auth;
using Missions.Grpc.V1;

namespace Missions.Grpc.Answers;

/// <summary>
/// A call whose answer can be large — a page of more than <see cref="AnswerOptions.LargePageSize"/> items, or a whole
/// plan — takes a slot of <see cref="LargeAnswerSlots"/> before it runs and holds it until its response is written (the
/// request's end, on either face: the slot is disposed with the HTTP request), so that the server never holds more than
/// <see cref="AnswerOptions.MaxConcurrentLarge"/> large answers in memory at once, however many callers ask or however
/// slowly they read, and one API key never holds more than <see cref="AnswerOptions.MaxConcurrentLargePerKey"/>. Other
/// calls never wait.
/// </summary>
internal sealed class LargeAnswerInterceptor(LargeAnswerSlots slots, IOptions<AnswerOptions> options) : Interceptor
{
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor?> PageFields = new();

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (IsLarge(request))
        {
            var http = context.GetHttpContext();
            var slot = await slots.TakeAsync(CallerContext.From(http.User)?.KeyId ?? "", context.CancellationToken);
            http.Response.RegisterForDispose(slot);
        }
        return await continuation(request, context);
    }

    private bool IsLarge(object request) => request switch
    {
        GetPlanRequest => true,
        IMessage message => PageFields.GetOrAdd(message.Descriptor, static d => d.FindFieldByName("page") is { MessageType: { } type } field
                && type == PageRequest.Descriptor ? field : null) is { } page
            && page.Accessor.GetValue(message) is PageRequest { HasSize: true } requested
            && requested.Size > options.Value.LargePageSize,
        _ => false,
    };
}
