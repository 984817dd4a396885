namespace Missions.Grpc.Storage.Core;

/// <summary>What an operation on a run decides when it meets the stored status.</summary>
internal enum TransitionDecision
{
    /// <summary>Move to the target status.</summary>
    Apply,

    /// <summary>The run is already in the target status and the operation allows that: nothing moves.</summary>
    Unchanged,

    /// <summary>The operation is not allowed from the stored status: 409 / FAILED_PRECONDITION.</summary>
    Refuse,
}
