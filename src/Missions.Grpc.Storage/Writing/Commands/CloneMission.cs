using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A new mission with the definition and the attachments (new ids) of an existing one; never its runs.</summary>
internal sealed class CloneMission(string organization, Guid missionId) : WriteCommand<MissionDocument>
{
    public override string Operation => "CloneMission";

    public override string? Organization => organization;

    public override IEnumerable<Quota> Quotas(QuotaOptions quotas) => [Quota.Missions(quotas, organization)];

    public override void Declare(BatchNeeds needs)
    {
        needs.Mission(organization, missionId, RowLock.Share);
        needs.AttachmentLists.Add((organization, missionId));
    }

    public override Outcome<MissionDocument> Execute(BatchState batch)
    {
        if (batch.Mission(organization, missionId) is not { } source)
        {
            return Outcome<MissionDocument>.Fail(NotFound.Mission());
        }
        var clone = MissionRules.Create(MissionRules.CloneOf(source.Mission), batch.Ids.NewId().ToString(), batch.Clock.Now());
        batch.InsertMission(clone);
        var copies = batch.AttachmentsOf(organization, missionId)
            .Select(a => AttachmentRules.Create(a.Attachment.Kind, batch.Ids.NewId().ToString(), clone.Id, a.Attachment.DefinitionJson, clone.CreatedAt))
            .ToList();
        batch.InsertAttachments(batch.Mission(organization, Guid.Parse(clone.Id))!, copies);
        return clone;
    }
}
