using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace Missions.Grpc.Protocol;

/// <summary>Which face of the service a request reached, from its endpoint's metadata (after routing).</summary>
internal static class Faces
{
    /// <summary>A transcoded REST/JSON endpoint.</summary>
    public static bool IsRest(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not null;

    /// <summary>A gRPC method called natively (HTTP/2, <c>application/grpc</c>), not through transcoding.</summary>
    public static bool IsNativeGrpc(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata
        && metadata.GetMetadata<GrpcMethodMetadata>() is not null
        && metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is null;
}
