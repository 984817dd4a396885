namespace Missions.Grpc.Storage;

/// <summary>
/// The storage cannot serve the call right now (out of space, an I/O error, the engine reopening): REST 503 with
/// <c>Retry-After</c>, gRPC UNAVAILABLE. For a write it means the write was not stored, unless
/// <see cref="OutcomeUnknown"/> says the storage could not even tell.
/// </summary>
public sealed class StorageUnavailableException(StorageFaultKind kind, TimeSpan retryAfter, bool outcomeUnknown = false)
    : Exception(DetailOf(kind, outcomeUnknown))
{
    public StorageFaultKind Kind { get; } = kind;

    /// <summary>When a retry has a chance: the store's next attempt to write.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary>
    /// The storage failed while committing this write and could neither read its files back nor cut the write
    /// from its log, so whether it was stored is not known. Every other instance means "not written".
    /// </summary>
    public bool OutcomeUnknown { get; } = outcomeUnknown;

    /// <summary>Machine-readable reason in UPPER_SNAKE_CASE (gRPC <c>google.rpc.ErrorInfo.reason</c>).</summary>
    public string Reason => OutcomeUnknown ? "WRITE_OUTCOME_UNKNOWN" : Kind switch
    {
        StorageFaultKind.OutOfSpace => "STORAGE_FULL",
        StorageFaultKind.Unreachable => "STORAGE_UNREACHABLE",
        _ => "STORAGE_IO_ERROR",
    };

    private static string DetailOf(StorageFaultKind kind, bool outcomeUnknown) => outcomeUnknown
        ? "Storage failed while this write was being committed and cannot tell yet whether it was stored: read it back before retrying."
        : kind switch
        {
            StorageFaultKind.OutOfSpace => "Storage is out of space: nothing was changed. Retry after the time in Retry-After.",
            StorageFaultKind.Unreachable => "Storage is unreachable: nothing was changed. Retry after the time in Retry-After.",
            _ => "Storage failed with an I/O error: nothing was changed. Retry after the time in Retry-After.",
        };
}
