
namespace Missions.Grpc.Validation;

/// <summary>What a walk found: presence and free-form violations (already in pydantic terms), and broken rules.</summary>
internal struct ValidationSink(int maxFreeFormDepth, int maxFreeFormBytes)
{
    public int MaxFreeFormDepth { get; } = maxFreeFormDepth;

    public int MaxFreeFormBytes { get; } = maxFreeFormBytes;

    /// <summary>Check only the <c>buf.validate</c> rules (what protovalidate checks).</summary>
    public bool SkipFreeForm { get; init; }

    public List<Violation>? Presence;

    public List<RuleViolation>? Rules;
}
