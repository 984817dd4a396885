using Grpc.Core;
using Missions.Grpc.Protocol;

namespace Missions.Grpc.RateLimiting;

/// <summary>Admits a native gRPC call through <see cref="KeyRateLimiter"/> (REST requests were admitted by the middleware).</summary>
internal sealed class RateLimitInterceptor(KeyRateLimiter limiter) : CallGuardInterceptor
{
    protected override void Check(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (limiter.Enabled && Faces.IsNativeGrpc(http))
        {
            limiter.Admit(http);
        }
    }
}
