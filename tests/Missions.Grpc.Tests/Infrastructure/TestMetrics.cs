using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Telemetry;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>Metrics for a part a test builds by hand: a meter factory of its own, as each host has.</summary>
internal static class TestMetrics
{
    public static IMeterFactory Factory() => new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static ApiMetrics Api() => new(Factory());
}
