using Grpc.Core;

namespace Missions.Grpc.Auth;

/// <summary>A native gRPC call authorization refused, carried to <see cref="AuthorizationInterceptor"/>.</summary>
internal sealed record RefusedCall(StatusCode Code, string Detail);
