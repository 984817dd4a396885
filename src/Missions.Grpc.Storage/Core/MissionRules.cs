namespace Missions.Grpc.Storage.Core;

/// <summary>What creating, changing and cloning a mission means, whatever stores it.</summary>
internal static class MissionRules
{
    public static MissionDocument Create(NewMission mission, string id, DateTime now) => new()
    {
        Id = id,
        Organization = mission.Organization,
        Name = mission.Name,
        Description = mission.Description,
        Model = mission.Model,
        Instructions = mission.Instructions,
        ExecutionMode = mission.ExecutionMode,
        MetadataJson = mission.MetadataJson,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>Present fields replace; <c>updated_at</c> moves to <paramref name="updatedAt"/> (an update is a change, even to the same values).</summary>
    public static MissionDocument Apply(MissionDocument stored, MissionChanges changes, DateTime updatedAt) => stored with
    {
        Name = changes.Name ?? stored.Name,
        Description = changes.Description ?? stored.Description,
        Model = changes.Model ?? stored.Model,
        Instructions = changes.Instructions ?? stored.Instructions,
        ExecutionMode = changes.ExecutionMode ?? stored.ExecutionMode,
        MetadataJson = changes.MetadataJson ?? stored.MetadataJson,
        UpdatedAt = updatedAt,
    };

    /// <summary>A clone copies the definition (and, separately, the attachments with new ids); never the runs.</summary>
    public static NewMission CloneOf(MissionDocument source) =>
        new(source.Organization, source.Name, source.Description, source.Model, source.Instructions, source.ExecutionMode, source.MetadataJson);
}
