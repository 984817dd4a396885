namespace Missions.Grpc.Storage;

/// <summary>A delivery claimed for one attempt (<see cref="DeliveryDocument.Attempts"/> is this attempt's number) and where it goes.</summary>
public sealed record DueDelivery(DeliveryDocument Delivery, string Url);
