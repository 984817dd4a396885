using Google.Protobuf;

namespace Missions.Grpc.Rest;

/// <summary>The request message <see cref="RestShapingMiddleware"/> read from a REST request.</summary>
internal sealed record RestRequestMessage(IMessage Message);
