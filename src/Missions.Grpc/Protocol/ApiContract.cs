using Google.Protobuf.Reflection;
using Missions.Grpc.V1;

namespace Missions.Grpc.Protocol;

/// <summary>The public API's contract as the server reads it: the proto files whose every service is served and validated.</summary>
internal static class ApiContract
{
    /// <summary>
    /// The proto files of the public API: every file of package <c>missions.v1</c> with a service, found in the compiled
    /// contract (each file's generated <c>…Reflection</c> class), so that a new file's service is validated, fingerprinted
    /// for <c>Idempotency-Key</c>, reported by health and served by reflection without a list to keep by hand.
    /// </summary>
    public static IReadOnlyList<FileDescriptor> Files { get; } = typeof(MissionsReflection).Assembly.GetTypes()
        .Where(type => type is { IsAbstract: true, IsSealed: true } && type.Name.EndsWith("Reflection", StringComparison.Ordinal))
        .Select(type => type.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null))
        .OfType<FileDescriptor>()
        .Where(file => file.Package == "missions.v1" && file.Services.Count > 0)
        .OrderBy(file => file.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>Every service of the public API.</summary>
    public static IEnumerable<Google.Protobuf.Reflection.ServiceDescriptor> Services => Files.SelectMany(file => file.Services);
}
