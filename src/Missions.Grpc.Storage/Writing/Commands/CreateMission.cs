using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A new mission, its UUIDv7 id and creation time assigned here (in batch order: ids follow commits).</summary>
internal sealed class CreateMission(NewMission mission) : WriteCommand<MissionDocument>
{
    public override string Operation => "CreateMission";

    public override string? Organization => mission.Organization;

    public override IEnumerable<Quota> Quotas(QuotaOptions quotas) => [Quota.Missions(quotas, mission.Organization)];

    public override void Declare(BatchNeeds needs)
    {
    }

    public override Outcome<MissionDocument> Execute(BatchState batch)
    {
        var created = MissionRules.Create(mission, batch.Ids.NewId().ToString(), batch.Clock.Now());
        batch.InsertMission(created);
        return created;
    }
}
