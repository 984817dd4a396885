namespace Missions.Grpc.Storage.Core;

/// <summary>What creating and replacing an attachment means, and its limits, for every kind alike.</summary>
internal static class AttachmentRules
{
    /// <summary>Most items of one kind a mission holds (each list is returned whole, unpaginated).</summary>
    public const int MaxPerKind = 1_000;

    public static AttachmentDocument Create(AttachmentKind kind, string itemId, string missionId, string definitionJson, DateTime now) =>
        new(kind, itemId, missionId, definitionJson, now, now);

    /// <summary>The definition is replaced; the id and creation time stay, <c>updated_at</c> moves.</summary>
    public static AttachmentDocument Replace(AttachmentDocument stored, string definitionJson, DateTime updatedAt) =>
        stored with { DefinitionJson = definitionJson, UpdatedAt = updatedAt };

    public static ConflictException Duplicate(AttachmentKind kind, string itemId) => new(
        $"{kind.Noun} '{itemId}' already exists in this mission", "DUPLICATE_" + kind.Key.ToUpperInvariant(),
        new Dictionary<string, string> { [kind.IdField] = itemId }, alreadyExists: true);

    public static ConflictException Full() => new($"A mission holds at most {MaxPerKind} items of each kind", "TOO_MANY_ATTACHMENTS");
}
