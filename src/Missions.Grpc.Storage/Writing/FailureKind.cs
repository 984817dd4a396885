namespace Missions.Grpc.Storage.Writing;

/// <summary>What a failure in a batch means to the pipeline.</summary>
internal enum FailureKind
{
    /// <summary>The storage failed (disk full, I/O error, database unreachable): nothing was written; an outage begins.</summary>
    Fault,

    /// <summary>The batch lost a race the database resolved by aborting it (a deadlock, a key another transaction stored first): run it again.</summary>
    Race,

    /// <summary>A statement was refused for this batch's data: which command caused it is found by running them one at a time.</summary>
    Refused,
}
