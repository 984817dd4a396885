using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Missions.Grpc.Protocol;

/// <summary>
/// Binds gRPC service methods like grpc-dotnet's own binder, but with request marshallers that
/// answer INVALID_ARGUMENT for a payload protobuf cannot parse (garbage bytes, nesting past the
/// parser's recursion limit). grpc-dotnet would answer UNKNOWN and log an error: bad input is the
/// caller's error, not ours. Replaces grpc-dotnet's BinderServiceMethodProvider (see
/// <see cref="MalformedRequestGuard.AddMalformedRequestGuard"/>); JSON transcoding keeps its own provider.
/// </summary>
internal sealed class MalformedRequestGuard<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var attribute = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);
        if (attribute is null)
        {
            return;
        }
        // The generated BindService(ServiceBinderBase, <Service>Base): its second parameter is the
        // base class declaring the handler methods.
        var bind = attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static).SingleOrDefault(m =>
                m.Name == attribute.BindMethodName
                && m.GetParameters() is [var binder, _]
                && binder.ParameterType == typeof(ServiceBinderBase))
            ?? throw new InvalidOperationException($"{attribute.BindType}.{attribute.BindMethodName} not found");
        var serviceBase = bind.GetParameters()[1].ParameterType;
        bind.Invoke(null, [new Binder(context, serviceBase), null]);
    }

    private static Marshaller<T> Guard<T>(Marshaller<T> inner) => new(
        inner.ContextualSerializer,
        context =>
        {
            try
            {
                return inner.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException error)
            {
                throw new RpcException(new global::Grpc.Core.Status(
                    StatusCode.InvalidArgument, $"The request message could not be parsed: {error.Message}"));
            }
        });

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Guarded(method), Metadata(method.Name),
                Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Guarded(method), Metadata(method.Name),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Guarded(method), Metadata(method.Name),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Guarded(method), Metadata(method.Name),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        private static Method<TRequest, TResponse> Guarded<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class where TResponse : class =>
            new(method.Type, method.ServiceName, method.Name, Guard(method.RequestMarshaller), method.ResponseMarshaller);

        /// <summary>An open-instance delegate to the generated base method: calls dispatch to the override.</summary>
        private TDelegate Invoker<TDelegate>(string name, params Type[] parameters) where TDelegate : Delegate
        {
            var handler = declaringType.GetMethod(name, parameters)
                ?? throw new InvalidOperationException($"{declaringType}.{name} not found");
            return (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler);
        }

        /// <summary>Endpoint metadata as grpc-dotnet gives it: the service type's and the method's attributes.</summary>
        private static List<object> Metadata(string name)
        {
            var metadata = new List<object>(typeof(TService).GetCustomAttributes(inherit: true));
            var implementation = typeof(TService).GetMethod(name);
            if (implementation is not null)
            {
                metadata.AddRange(implementation.GetCustomAttributes(inherit: true));
            }
            return metadata;
        }
    }
}
