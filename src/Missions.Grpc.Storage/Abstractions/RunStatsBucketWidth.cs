namespace Missions.Grpc.Storage;

/// <summary>The width of <see cref="RunStats"/>' time buckets.</summary>
public enum RunStatsBucketWidth
{
    /// <summary>An hour, aligned to the hour (UTC).</summary>
    Hour,

    /// <summary>A UTC day, aligned to midnight.</summary>
    Day,
}
