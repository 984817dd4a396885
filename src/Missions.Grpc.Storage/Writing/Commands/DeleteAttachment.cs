using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>An item removed ("… not found" when there is none); the mission locked, its count of items moved.</summary>
internal sealed class DeleteAttachment(string organization, Guid missionId, AttachmentKind kind, string itemId) : WriteCommand<bool>
{
    public override string Operation => "DeleteAttachment";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Mission(organization, missionId, RowLock.Update);
        needs.Attachments.Add((organization, missionId, kind.Key, itemId));
    }

    public override Outcome<bool> Execute(BatchState batch)
    {
        if (batch.Mission(organization, missionId) is not { } mission)
        {
            return Outcome<bool>.Fail(NotFound.Mission());
        }
        if (batch.Attachment(organization, missionId, kind, itemId) is not { } stored)
        {
            return Outcome<bool>.Fail(NotFound.Attachment(kind));
        }
        batch.DeleteAttachment(mission, stored);
        return true;
    }
}
