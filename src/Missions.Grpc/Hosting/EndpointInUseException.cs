
namespace Missions.Grpc.Hosting;

/// <summary>A configured listen address is taken: the start is refused with this message.</summary>
internal sealed class EndpointInUseException(string message) : Exception(message);
