namespace Missions.Grpc.Storage;

/// <summary>What logging an event did: stored it, or found it already stored under the same idempotency key.</summary>
public sealed record LoggedEvent(EventDocument Event, bool Replayed);
