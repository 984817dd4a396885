namespace Missions.Grpc.Storage.Writing;

/// <summary>A Telnyx agent link with what the store keeps beside it: its organization, and a UUIDv7 taken when linked (the list's order).</summary>
internal sealed record LinkRow(string Organization, AgentLinkDocument Link, Guid Created);
