namespace Missions.Grpc.Storage.Stores;

/// <summary>The reads of <see cref="IAttachmentStore"/> (same contract).</summary>
internal interface IAttachmentReads
{
    Task<IReadOnlyList<AttachmentDocument>> ListAttachmentsAsync(string organization, Guid missionId, AttachmentKind kind, CancellationToken cancellationToken);

    Task<MissionWithAttachments> GetMissionWithAttachmentsAsync(string organization, Guid missionId, CancellationToken cancellationToken);

    Task<AttachmentDocument> GetAttachmentAsync(string organization, Guid missionId, AttachmentKind kind, string itemId, CancellationToken cancellationToken);
}
