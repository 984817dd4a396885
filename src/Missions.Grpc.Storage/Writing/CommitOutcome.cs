namespace Missions.Grpc.Storage.Writing;

/// <summary>What a failed commit turned out to be.</summary>
internal enum CommitOutcome
{
    /// <summary>The batch is stored: its callers succeed.</summary>
    Committed,

    /// <summary>Certainly not stored: its callers are refused (503).</summary>
    NotCommitted,

    /// <summary>The database cannot tell yet: its callers are told the outcome is unknown (503, <c>WRITE_OUTCOME_UNKNOWN</c>).</summary>
    Unknown,
}
