namespace Missions.Grpc.Rest;

/// <summary>Configuration section <c>Rest</c>: explicit limits of the REST face.</summary>
public sealed class RestOptions
{
    public const string SectionName = "Rest";

    /// <summary>Largest accepted request body; larger ones answer 413 (gRPC: RESOURCE_EXHAUSTED).</summary>
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Deepest JSON nesting the body parser accepts; deeper bodies answer 422 json_invalid.</summary>
    public int MaxJsonDepth { get; set; } = 64;
}
