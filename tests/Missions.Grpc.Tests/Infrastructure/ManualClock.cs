namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>A clock the test moves (retention, expiry): it reads <see cref="Now"/>, whatever time it is.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
