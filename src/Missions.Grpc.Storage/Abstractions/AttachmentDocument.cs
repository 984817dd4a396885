namespace Missions.Grpc.Storage;

/// <summary>
/// A stored attachment: the caller's definition (a JSON object, stored as given) and what the server manages.
/// </summary>
public sealed record AttachmentDocument(
    AttachmentKind Kind,
    string ItemId,
    string MissionId,
    string DefinitionJson,
    DateTime CreatedAt,
    DateTime UpdatedAt);
