using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>An item's definition replaced; its id and creation time stay (<see cref="AttachmentRules.Replace"/>); the mission locked.</summary>
internal sealed class ReplaceAttachment(string organization, Guid missionId, AttachmentKind kind, string itemId, string definitionJson)
    : WriteCommand<AttachmentDocument>
{
    public override string Operation => "ReplaceAttachment";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.MissionExists(organization, missionId, RowLock.Update);
        needs.Attachments.Add((organization, missionId, kind.Key, itemId));
    }

    public override Outcome<AttachmentDocument> Execute(BatchState batch)
    {
        if (!batch.MissionExists(organization, missionId))
        {
            return Outcome<AttachmentDocument>.Fail(NotFound.Mission());
        }
        if (batch.Attachment(organization, missionId, kind, itemId) is not { } stored)
        {
            return Outcome<AttachmentDocument>.Fail(NotFound.Attachment(kind));
        }
        var replaced = AttachmentRules.Replace(stored.Attachment, definitionJson, batch.Clock.Later(stored.Attachment.UpdatedAt));
        batch.ReplaceAttachment(stored, replaced);
        return replaced;
    }
}
