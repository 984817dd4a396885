namespace Missions.Grpc.Storage;

/// <summary>A Telnyx AI agent linked to a run.</summary>
public sealed record AgentLinkDocument(string RunId, string TelnyxAgentId, DateTime CreatedAt);
