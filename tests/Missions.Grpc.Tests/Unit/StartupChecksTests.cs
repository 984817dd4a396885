using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Protocol;

namespace Missions.Grpc.Tests.Unit;

/// <summary>A grpc-dotnet that does not match what the malformed request guard replaces stops the start, saying why.</summary>
public sealed class StartupChecksTests
{
    [Fact]
    public void Without_grpc_dotnets_default_binder_the_malformed_request_guard_refuses_to_start_and_says_why()
    {
        var services = new ServiceCollection(); // AddGrpc not called: the binder it would replace is absent

        var error = Assert.Throws<IncompatibleFrameworkException>(() => services.AddMalformedRequestGuard());

        Assert.Contains("BinderServiceMethodProvider`1", error.Message);
        Assert.Contains("MalformedRequestGuard.cs", error.Message);
    }

    [Fact]
    public void With_grpc_dotnets_default_binder_it_is_replaced_once()
    {
        var services = new ServiceCollection();
        services.AddGrpc();

        services.AddMalformedRequestGuard();

        var providers = services.Where(d => d.ServiceType == typeof(global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>)).ToList();
        Assert.Contains(providers, d => d.ImplementationType == typeof(MalformedRequestGuard<>));
        Assert.DoesNotContain(providers, d => d.ImplementationType?.Name == "BinderServiceMethodProvider`1");
    }
}
