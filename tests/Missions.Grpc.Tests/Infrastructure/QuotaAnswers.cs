using Google.Rpc;
using Grpc.Core;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>What a gRPC caller is told past a quota or a per-key limit.</summary>
public static class QuotaAnswers
{
    /// <summary>RESOURCE_EXHAUSTED, a QuotaFailure whose subject is <paramref name="setting"/>, and ErrorInfo QUOTA_EXCEEDED.</summary>
    public static void AssertGrpc(RpcException error, string setting)
    {
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var status = error.GetRpcStatus()!;
        Assert.Equal(setting, Assert.Single(status.GetDetail<QuotaFailure>()!.Violations).Subject);
        Assert.Equal("QUOTA_EXCEEDED", status.GetDetail<ErrorInfo>()!.Reason);
    }
}
