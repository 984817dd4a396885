using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>The mission and everything that belongs to it, in one command (hence one transaction); its runs' watches end.</summary>
internal sealed class DeleteMission(string organization, Guid missionId) : WriteCommand<bool>
{
    public override string Operation => "DeleteMission";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Mission(organization, missionId, RowLock.Update);
        needs.MissionContents.Add((organization, missionId));
        needs.Counters.Add(CounterKeys.StoredKiBByMission(organization, missionId.ToString())); // what its delete frees
    }

    public override Outcome<bool> Execute(BatchState batch)
    {
        if (batch.Mission(organization, missionId) is not { } stored)
        {
            return Outcome<bool>.Fail(NotFound.Mission());
        }
        batch.DeleteMission(stored);
        return true;
    }
}
