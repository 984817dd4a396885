using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A link removed; "Telnyx agent link" not found when there is none (the run locked).</summary>
internal sealed class UnlinkAgent(string organization, Guid missionId, Guid runId, string telnyxAgentId) : WriteCommand<bool>
{
    public override string Operation => "Unlink";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Run(organization, missionId, runId);
        needs.Links.Add((organization, runId, telnyxAgentId));
    }

    public override Outcome<bool> Execute(BatchState batch)
    {
        var resolved = batch.Run(organization, missionId, runId);
        if (resolved.Failed)
        {
            return Outcome<bool>.Fail(resolved.Error!);
        }
        if (batch.Link(organization, runId, telnyxAgentId) is not { } stored)
        {
            return Outcome<bool>.Fail(NotFound.AgentLink());
        }
        batch.DeleteLink(resolved.Value!, stored);
        return true;
    }
}
