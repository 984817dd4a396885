namespace Missions.Grpc.Storage;

/// <summary>
/// The storage seam for mission attachments, one mechanism for every <see cref="AttachmentKind"/>. Every call
/// addresses the mission by organization ("Mission" not found otherwise); item ids are unique per mission and kind.
/// A write takes the request's <c>Idempotency-Key</c>, if it has one (<see cref="IdempotencyScope"/>): the key's record
/// commits in the write's own transaction.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>The mission's items of one kind, in creation order.</summary>
    Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken = default);

    /// <summary>The mission with every item, by kind, read together (mission GET).</summary>
    Task<MissionWithAttachments> GetMissionWithAttachmentsAsync(string organization, Guid missionId, CancellationToken cancellationToken = default);

    /// <summary>Stores an item under <paramref name="itemId"/>, or a generated id when null; a taken id is a <see cref="ConflictException"/>.</summary>
    Task<AttachmentDocument> CreateAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string? itemId, string definitionJson, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    Task<AttachmentDocument> GetAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the item's definition; its id and creation time stay, <c>updated_at</c> advances.</summary>
    Task<AttachmentDocument> ReplaceAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, string definitionJson, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);

    Task DeleteAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default);
}
