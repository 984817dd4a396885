using Grpc.AspNetCore.Server.Model;

namespace Missions.Grpc.Protocol;

internal static class MalformedRequestGuard
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
