using System.ComponentModel.DataAnnotations;

namespace Missions.Grpc.Idempotency;

/// <summary><c>Idempotency</c> settings: how long a key's answer is kept, and how expired keys are purged.</summary>
public sealed class IdempotencyOptions
{
    public const string SectionName = "Idempotency";

    /// <summary>How long a key holds its answer (and refuses other requests), in hours.</summary>
    [Range(1, 24 * 30)]
    public int RetentionHours { get; set; } = 24;

    /// <summary>How often expired keys are purged, in seconds.</summary>
    [Range(1, 3600)]
    public int PurgeIntervalSeconds { get; set; } = 60;

    /// <summary>Most keys deleted per purge batch (a purge runs batches until none is left).</summary>
    [Range(1, 10_000)]
    public int PurgeBatchSize { get; set; } = 1000;
}
