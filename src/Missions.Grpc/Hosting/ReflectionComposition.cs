using Google.Protobuf.Reflection;
using Grpc.Reflection;
using Missions.Grpc.Protocol;

namespace Missions.Grpc.Hosting;

/// <summary>
/// Server reflection (v1 and v1alpha) over the services this server maps and the error-detail types its statuses carry
/// (<c>google/rpc/status.proto</c>, <c>google/rpc/error_details.proto</c>, <c>missions/v1/errors.proto</c>), so that a
/// client with reflection only can decode every detail. grpc-dotnet's default registration serves the mapped services'
/// files alone; these registrations come first and it keeps them.
/// </summary>
internal static class ReflectionComposition
{
    /// <summary>Every service this server maps.</summary>
    private static IReadOnlyList<Google.Protobuf.Reflection.ServiceDescriptor> Services { get; } =
    [
        .. ApiContract.Services,
        global::Grpc.Health.V1.Health.Descriptor,
        global::Grpc.Reflection.V1Alpha.ServerReflection.Descriptor,
        global::Grpc.Reflection.V1.ServerReflection.Descriptor,
    ];

    /// <summary>The files served: the services' (with their imports) and the error details'.</summary>
    private static IEnumerable<FileDescriptor> Files =>
    [
        .. Services.Select(s => s.File).Distinct(),
        Google.Rpc.StatusReflection.Descriptor,
        Google.Rpc.ErrorDetailsReflection.Descriptor,
        V1.ErrorsReflection.Descriptor,
    ];

    public static IServiceCollection AddMissionsReflection(this IServiceCollection services)
    {
        var names = Services.Select(s => s.FullName).ToList();
        var symbols = SymbolRegistry.FromFiles(Files);
        services.AddSingleton(new ReflectionServiceImpl(names, symbols));
        services.AddSingleton(new ReflectionV1ServiceImpl(names, symbols));
        return services.AddGrpcReflection();
    }
}
