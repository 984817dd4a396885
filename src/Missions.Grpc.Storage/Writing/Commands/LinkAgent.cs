using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A Telnyx agent linked to a run: once per run, at most <see cref="AgentLinkRules.MaxPerRun"/> (the run locked).</summary>
internal sealed class LinkAgent(string organization, Guid missionId, Guid runId, string telnyxAgentId) : WriteCommand<AgentLinkDocument>
{
    public override string Operation => "Link";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Run(organization, missionId, runId);
        needs.Links.Add((organization, runId, telnyxAgentId));
        needs.LinkCounts.Add((organization, runId));
    }

    public override Outcome<AgentLinkDocument> Execute(BatchState batch)
    {
        var resolved = batch.Run(organization, missionId, runId);
        if (resolved.Failed)
        {
            return Outcome<AgentLinkDocument>.Fail(resolved.Error!);
        }
        if (batch.Link(organization, runId, telnyxAgentId) is not null)
        {
            return Outcome<AgentLinkDocument>.Fail(AgentLinkRules.Duplicate(telnyxAgentId));
        }
        if (batch.LinkCount(organization, runId) >= AgentLinkRules.MaxPerRun)
        {
            return Outcome<AgentLinkDocument>.Fail(AgentLinkRules.Full());
        }
        var link = new AgentLinkDocument(resolved.Value!.Run.Id, telnyxAgentId, batch.Clock.Now());
        batch.InsertLink(resolved.Value!, link);
        return link;
    }
}
