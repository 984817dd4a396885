namespace Missions.Grpc.Storage;

/// <summary>
/// What an update changes (null: unchanged). <see cref="EventTypes"/> replaces the list when not null;
/// <see cref="MissionId"/> sets the filter, <see cref="ClearMission"/> removes it.
/// </summary>
public sealed record WebhookChanges(
    string? Url = null, IReadOnlyList<string>? EventTypes = null, Guid? MissionId = null, bool ClearMission = false, string? Description = null, bool? Enabled = null);
