namespace Missions.Grpc.Storage;

/// <summary>Tells storage faults (the disk, not the request) from everything else.</summary>
internal static class StorageFaults
{
    // errno values .NET carries as IOException.HResult on Unix, and the Win32 HRESULTs for the same conditions.
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>The fault an exception (or one it wraps) reports, or null when it is not a storage fault.</summary>
    public static StorageFaultKind? Classify(Exception error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            if (current is IOException io)
            {
                return io.HResult is Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull
                    ? StorageFaultKind.OutOfSpace
                    : StorageFaultKind.IoError;
            }
        }
        return null;
    }

    /// <summary>How an operator reads the fault in a log line.</summary>
    public static string Describe(StorageFaultKind kind) => kind switch
    {
        StorageFaultKind.OutOfSpace => "out of space",
        StorageFaultKind.Unreachable => "database unreachable",
        _ => "I/O error",
    };
}
