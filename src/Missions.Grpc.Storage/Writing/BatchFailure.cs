namespace Missions.Grpc.Storage.Writing;

/// <summary>A classified failure: its kind and which fault it is (for a race: the fault reported once retries are exhausted).</summary>
internal readonly record struct BatchFailure(FailureKind Kind, StorageFaultKind Fault = StorageFaultKind.IoError)
{
    public static BatchFailure Of(StorageFaultKind fault) => new(FailureKind.Fault, fault);

    public static BatchFailure Race(StorageFaultKind whenExhausted) => new(FailureKind.Race, whenExhausted);

    public static BatchFailure Refused { get; } = new(FailureKind.Refused);
}
