namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// How a row a command decides on is held until its batch commits. A backend whose writes are serialized anyway (one
/// writer over the file) holds everything; a shared database (PostgreSQL) takes row locks, so that a decision on one
/// replica is never taken against a row another replica is changing.
/// </summary>
internal enum RowLock
{
    /// <summary>Only read: what was committed when the batch loaded.</summary>
    None,

    /// <summary>Kept from being changed or deleted by others until the commit (<c>FOR SHARE</c>): a parent a new child refers to.</summary>
    Share,

    /// <summary>Held exclusively until the commit (<c>FOR UPDATE</c>): a row the command changes, or whose children it changes.</summary>
    Update,
}
