namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>A fact that mounts a <see cref="Tmpfs"/>: skipped, with the reason, where this process may not mount one.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
