using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Storage faults as LiteDB reports them: the disk's (<see cref="StorageFaults"/>) and the engine's own.</summary>
internal static class LiteDbFaults
{
    /// <summary>
    /// The fault behind <paramref name="error"/>, or null when it is not one: an I/O error or a full disk, or the
    /// engine having closed itself (LiteDB closes its engine on an I/O error or a broken invariant, and every
    /// later call then fails) — all of which the writer heals by reopening the files.
    /// </summary>
    public static StorageFaultKind? Classify(Exception error)
    {
        if (StorageFaults.Classify(error) is { } kind)
        {
            return kind;
        }
        for (var current = error; current is not null; current = current.InnerException)
        {
            if (current is LiteException { ErrorCode: LiteException.INVALID_DATAFILE_STATE or LiteException.ENGINE_DISPOSED } or ObjectDisposedException)
            {
                return StorageFaultKind.IoError;
            }
        }
        return null;
    }
}
