namespace Missions.Grpc.Storage;

/// <summary>
/// Request values that name something that does not exist where they must (a <c>parent_step_id</c> naming
/// no step of the run). Found by the store inside the atomic write; reported like validation errors (422).
/// </summary>
public sealed class InvalidReferenceException(IReadOnlyList<InvalidReference> references)
    : Exception(string.Join("; ", references.Select(r => r.Message)))
{
    public IReadOnlyList<InvalidReference> References { get; } = references;
}
