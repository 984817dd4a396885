namespace Missions.Grpc.Storage;

/// <summary>Where a webhook delivery stands, as stored and as written on the wire.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}
