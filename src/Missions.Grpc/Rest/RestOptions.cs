using System.ComponentModel.DataAnnotations;

namespace Missions.Grpc.Rest;

/// <summary>Configuration section <c>Rest</c>: explicit limits of the REST face (validated at start).</summary>
public sealed class RestOptions
{
    public const string SectionName = "Rest";

    /// <summary>Largest accepted request body; larger ones answer 413 (gRPC: RESOURCE_EXHAUSTED, the same limit).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Deepest JSON nesting the body parser accepts; deeper bodies answer 400, as FastAPI answers one beyond Python's recursion limit.</summary>
    [Range(1, 1000)]
    public int MaxJsonDepth { get; set; } = 64;
}
