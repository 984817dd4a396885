namespace Missions.Grpc.Storage;

/// <summary>An organization's webhook endpoint: where its runs' changes are pushed.</summary>
public sealed record WebhookDocument
{
    /// <summary>UUIDv7 string, lowercase, assigned by the store.</summary>
    public required string Id { get; init; }

    public required string Organization { get; init; }

    public required string Url { get; init; }

    /// <summary>The event types sent (<see cref="WebhookEventTypes"/>); empty: every type.</summary>
    public required IReadOnlyList<string> EventTypes { get; init; }

    /// <summary>Only this mission's runs, when set.</summary>
    public string? MissionId { get; init; }

    public string? Description { get; init; }

    public required bool Enabled { get; init; }

    public required DateTime CreatedAt { get; init; }

    public required DateTime UpdatedAt { get; init; }

    /// <summary>Whether an event of <paramref name="eventType"/> about a run of <paramref name="missionId"/> is sent here.</summary>
    public bool Wants(string eventType, string missionId) =>
        Enabled && (EventTypes.Count == 0 || EventTypes.Contains(eventType)) && (MissionId is null || MissionId == missionId);
}
