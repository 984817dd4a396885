namespace Missions.Grpc.Storage;

/// <summary>A webhook endpoint to create (checked by the server: the URL's policy, the event types).</summary>
public sealed record NewWebhook(string Url, IReadOnlyList<string> EventTypes, Guid? MissionId, string? Description, bool Enabled);
