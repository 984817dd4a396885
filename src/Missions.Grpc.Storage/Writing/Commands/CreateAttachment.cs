using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>An item stored under the caller's id (a taken one is a conflict) or a new one, at most <see cref="AttachmentRules.MaxPerKind"/> per kind; the mission locked.</summary>
internal sealed class CreateAttachment(string organization, Guid missionId, AttachmentKind kind, string? itemId, string definitionJson)
    : WriteCommand<AttachmentDocument>
{
    public override string Operation => "CreateAttachment";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Mission(organization, missionId, RowLock.Update);
        if (itemId is not null)
        {
            needs.Attachments.Add((organization, missionId, kind.Key, itemId));
        }
        needs.AttachmentCounts.Add((organization, missionId, kind.Key));
    }

    public override Outcome<AttachmentDocument> Execute(BatchState batch)
    {
        if (batch.Mission(organization, missionId) is not { } mission)
        {
            return Outcome<AttachmentDocument>.Fail(NotFound.Mission());
        }
        if (itemId is not null && batch.Attachment(organization, missionId, kind, itemId) is not null)
        {
            return Outcome<AttachmentDocument>.Fail(AttachmentRules.Duplicate(kind, itemId));
        }
        if (batch.AttachmentCount(organization, missionId, kind) >= AttachmentRules.MaxPerKind)
        {
            return Outcome<AttachmentDocument>.Fail(AttachmentRules.Full());
        }
        var item = AttachmentRules.Create(kind, itemId ?? batch.Ids.NewId().ToString(), mission.Mission.Id, definitionJson, batch.Clock.Now());
        batch.InsertAttachments(mission, [item]);
        return item;
    }
}
