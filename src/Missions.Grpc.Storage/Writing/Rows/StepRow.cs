namespace Missions.Grpc.Storage.Writing;

/// <summary>A plan step with what the store keeps beside it: its organization, and a UUIDv7 taken at creation that orders steps of equal sequence.</summary>
internal sealed record StepRow(string Organization, StepDocument Step, Guid Created);
