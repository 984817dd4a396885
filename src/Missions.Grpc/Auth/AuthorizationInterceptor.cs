using Grpc.Core;
using Missions.Grpc.Protocol;

namespace Missions.Grpc.Auth;

/// <summary>Raises the refusal <see cref="GrpcAuthorizationResultHandler"/> let through, before anything else runs.</summary>
internal sealed class AuthorizationInterceptor : CallGuardInterceptor
{
    protected override void Check(ServerCallContext context)
    {
        if (context.GetHttpContext().Features.Get<RefusedCall>() is { } refused)
        {
            throw new RpcException(new Status(refused.Code, refused.Detail));
        }
    }
}
