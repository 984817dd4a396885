namespace Missions.Grpc.Storage;

/// <summary>What kind of storage failure stopped a read or a write.</summary>
public enum StorageFaultKind
{
    /// <summary>The volume holding the data is full (or over quota).</summary>
    OutOfSpace,

    /// <summary>The device or the storage engine failed (an I/O error, a file that cannot be read back).</summary>
    IoError,

    /// <summary>The database server cannot be reached, or went away mid-operation (a network failure, a restart).</summary>
    Unreachable,
}
