using Grpc.Core;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>What every gRPC test call carries: a bearer key and a deadline.</summary>
public static class GrpcCalls
{
    public static Metadata Key(string key = TestKeys.KeyA) => new() { { "authorization", $"Bearer {key}" } };

    public static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);
}
