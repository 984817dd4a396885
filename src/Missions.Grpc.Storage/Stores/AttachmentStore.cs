using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class AttachmentStore(StorageBackend backend) : IAttachmentStore
{
    private IAttachmentReads Reads => backend.Reads.Attachments;

    private WritePipeline Writes => backend.Pipeline;

    public Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(
        string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken = default) =>
        Reads.ListAttachmentsAsync(organization, missionId, kind, cancellationToken);

    public Task<MissionWithAttachments> GetMissionWithAttachmentsAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        Reads.GetMissionWithAttachmentsAsync(organization, missionId, cancellationToken);

    public Task<AttachmentDocument> CreateAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string? itemId, string definitionJson, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new CreateAttachment(organization, missionId, kind, itemId, definitionJson), idempotency, cancellationToken);

    public Task<AttachmentDocument> GetAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken = default) =>
        Reads.GetAttachmentAsync(organization, missionId, kind, itemId, cancellationToken);

    public Task<AttachmentDocument> ReplaceAttachmentAsync(
        string organization, Guid missionId, AttachmentKind kind, string itemId, string definitionJson, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new ReplaceAttachment(organization, missionId, kind, itemId, definitionJson), idempotency, cancellationToken);

    public Task DeleteAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new DeleteAttachment(organization, missionId, kind, itemId), idempotency, cancellationToken);
}
