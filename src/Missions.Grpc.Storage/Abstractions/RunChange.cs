namespace Missions.Grpc.Storage;

/// <summary>
/// One change to a run: an optional status transition, checked by <see cref="RunLifecycle"/> inside the
/// store's atomic write, and field changes (each non-null field replaces the stored value).
/// </summary>
public sealed record RunChange(
    RunTransition? Transition = null,
    string? ResultSummary = null,
    string? ResultPayloadJson = null,
    string? Error = null,
    string? MetadataJson = null)
{
    public static RunChange Cancel { get; } = new(RunTransition.Cancel);
    public static RunChange Pause { get; } = new(RunTransition.Pause);
    public static RunChange Resume { get; } = new(RunTransition.Resume);
}
