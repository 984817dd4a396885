using Google.Protobuf.Reflection;
using Missions.Grpc.V1;

namespace Missions.Grpc.Protocol;

/// <summary>The public API's contract as the server reads it: the proto files whose every service is served and validated.</summary>
internal static class ApiContract
{
    /// <summary>The proto files of the public API.</summary>
    public static IReadOnlyList<FileDescriptor> Files { get; } =
        [MissionsReflection.Descriptor, RunsReflection.Descriptor, PlansReflection.Descriptor, EventsReflection.Descriptor,
            AgentsReflection.Descriptor, WatchReflection.Descriptor, AttachmentsReflection.Descriptor];

    /// <summary>Every service of the public API.</summary>
    public static IEnumerable<Google.Protobuf.Reflection.ServiceDescriptor> Services => Files.SelectMany(file => file.Services);
}
