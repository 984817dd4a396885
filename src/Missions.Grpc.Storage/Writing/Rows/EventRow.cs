namespace Missions.Grpc.Storage.Writing;

/// <summary>An event with what the store keeps beside it: its organization, and the content's fingerprint (events with an idempotency key).</summary>
internal sealed record EventRow(string Organization, EventDocument Event, string? Fingerprint);
