namespace Missions.Grpc.Storage;

/// <summary>
/// The request conflicts with the stored state (an illegal run transition, a duplicate id). Raised by
/// the store after the atomic check, never by handlers guessing at state.
/// </summary>
/// <param name="detail">Readable reason, the REST <c>detail</c> and the gRPC status message.</param>
/// <param name="reason">Machine-readable reason in UPPER_SNAKE_CASE (gRPC <c>google.rpc.ErrorInfo.reason</c>).</param>
/// <param name="facts">Facts a client can act on (e.g. the current status), as ErrorInfo metadata.</param>
/// <param name="alreadyExists">A duplicate (gRPC ALREADY_EXISTS) rather than a state conflict (FAILED_PRECONDITION).</param>
public sealed class ConflictException(
    string detail,
    string reason,
    IReadOnlyDictionary<string, string>? facts = null,
    bool alreadyExists = false) : Exception(detail)
{
    public string Reason { get; } = reason;

    public IReadOnlyDictionary<string, string> Facts { get; } = facts ?? new Dictionary<string, string>();

    public bool AlreadyExists { get; } = alreadyExists;
}
