using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>Present fields replace (<see cref="MissionRules.Apply"/>).</summary>
internal sealed class UpdateMission(string organization, Guid missionId, MissionChanges changes) : WriteCommand<MissionDocument>
{
    public override string Operation => "UpdateMission";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs) => needs.Mission(organization, missionId, RowLock.Update);

    public override Outcome<MissionDocument> Execute(BatchState batch)
    {
        if (batch.Mission(organization, missionId) is not { } stored)
        {
            return Outcome<MissionDocument>.Fail(NotFound.Mission());
        }
        var updated = MissionRules.Apply(stored.Mission, changes, batch.Clock.Later(stored.Mission.UpdatedAt));
        batch.UpdateMission(stored, updated);
        return updated;
    }
}
