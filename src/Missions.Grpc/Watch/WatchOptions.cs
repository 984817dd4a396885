
namespace Missions.Grpc.Watch;

/// <summary>Limits of a run watch.</summary>
public sealed class WatchOptions
{
    public const string SectionName = "Watch";

    /// <summary>Live updates buffered per watcher; a reader further behind is told to resume from its cursor.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int BufferSize { get; set; } = 1024;

    /// <summary>Events read from storage per replay batch (no read holds anything between batches).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int ReplayBatchSize { get; set; } = 256;

    /// <summary>Watch streams one API key may hold open at once; one more answers REST 429 / gRPC RESOURCE_EXHAUSTED.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int MaxStreamsPerKey { get; set; } = 100;
}
