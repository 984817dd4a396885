namespace Missions.Grpc.Storage;

/// <summary>Configuration section <c>Storage:LiteDb</c>.</summary>
public sealed class LiteDbOptions
{
    /// <summary>Database file; relative paths are resolved against the content root.</summary>
    public string Path { get; set; } = "data/missions.db";

    /// <summary>Most queued writes committed in one LiteDB transaction (group commit).</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// The log size at which the writer copies the log into the data file (a checkpoint, between batches).
    /// LiteDB's own default is 1,000 pages (8 MB).
    /// </summary>
    public long CheckpointLogBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>The server refuses to start on a volume with less free space than this.</summary>
    public long MinFreeBytes { get; set; } = 1024 * 1024;
}
