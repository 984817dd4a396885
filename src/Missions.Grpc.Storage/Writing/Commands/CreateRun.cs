using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A run of the mission, <c>pending</c>; the mission is held until the commit, so a concurrent delete cannot leave an orphan.</summary>
internal sealed class CreateRun(string organization, Guid missionId, NewRun run) : WriteCommand<RunDocument>
{
    public override string Operation => "CreateRun";

    public override string? Organization => organization;

    public override IEnumerable<Quota> Quotas(QuotaOptions quotas) => [Quota.RunsPerMission(quotas, organization, missionId)];

    public override void Declare(BatchNeeds needs)
    {
        needs.MissionExists(organization, missionId, RowLock.Share);
        needs.WebhookLists.Add(organization); // its creation is an event
    }

    public override Outcome<RunDocument> Execute(BatchState batch)
    {
        if (!batch.MissionExists(organization, missionId))
        {
            return Outcome<RunDocument>.Fail(NotFound.Mission());
        }
        var started = RunRules.Start(organization, missionId.ToString(), run, batch.Ids.NewId().ToString(), batch.Clock.Now());
        batch.InsertRun(started);
        return started;
    }
}
