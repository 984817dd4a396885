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
public sealed class MalformedRequestGuard<TService> : IServiceMethodProvider<TService>
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

/// <summary>A framework this build depends on is not the one it was written against; the message says what to review.</summary>
public sealed class IncompatibleFrameworkException(string message) : Exception(message);

public static class MalformedRequestGuard
{
    /// <summary>
    /// Registers the guard in place of grpc-dotnet's default binder.
    /// <para>
    /// This reaches into grpc-dotnet: there is no supported seam. The request message is parsed by the generated
    /// marshaller in grpc-dotnet's call handler (<c>PipeExtensions.ReadSingleMessageAsync</c>), before any interceptor
    /// runs, and a parse exception goes to <c>HttpContextServerCallContext.ProcessHandlerErrorAsync</c>: UNKNOWN
    /// "Exception was thrown by handler." and an error log (grpc-dotnet 2.85; same since 2.2x). The only public
    /// extension point, <see cref="IServiceMethodProvider{TService}"/>, adds methods but cannot replace the default
    /// provider's, which binds every <c>[BindServiceMethod]</c> service: two providers would bind each method twice.
    /// So the default provider (internal <c>BinderServiceMethodProvider`1</c>) is found by name and removed. No upstream
    /// issue tracks this (searched grpc/grpc-dotnet, December 2026); when one exists, link it here.
    /// </para>
    /// When a grpc-dotnet upgrade renames or stops registering that type, start-up fails with
    /// <see cref="IncompatibleFrameworkException"/> (Program prints it in one line) instead of binding every method twice.
    /// </summary>
    public static IServiceCollection AddMalformedRequestGuard(this IServiceCollection services)
    {
        var defaults = services.Where(d => d.ServiceType == typeof(IServiceMethodProvider<>)
            && d.ImplementationType is { Name: "BinderServiceMethodProvider`1", Namespace: "Grpc.AspNetCore.Server.Model.Internal" }).ToList();
        if (defaults.Count != 1)
        {
            var version = typeof(IServiceMethodProvider<>).Assembly.GetName().Version;
            throw new IncompatibleFrameworkException(
                $"Grpc.AspNetCore.Server {version} does not register Grpc.AspNetCore.Server.Model.Internal.BinderServiceMethodProvider`1 " +
                $"as this build expects (found {defaults.Count}); MalformedRequestGuard cannot replace it. Use the Grpc.AspNetCore version " +
                "pinned in Directory.Packages.props, or review src/Missions.Grpc/Protocol/MalformedRequestGuard.cs for the new version.");
        }
        services.Remove(defaults[0]);
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(MalformedRequestGuard<>));
        return services;
    }
}
