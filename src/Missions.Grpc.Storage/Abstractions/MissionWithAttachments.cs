namespace Missions.Grpc.Storage;

/// <summary>A mission and its items by kind, as one read saw them.</summary>
public sealed record MissionWithAttachments(MissionDocument Mission, IReadOnlyDictionary<AttachmentKind, IReadOnlyList<AttachmentDocument>> Attachments);
