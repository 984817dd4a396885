using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

internal sealed class LinkRecord
{
    /// <summary>Organization, run, agent id: one link per agent and run by construction.</summary>
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string TelnyxAgentId { get; set; } = "";
    public DateTime CreatedAt { get; set; }

    /// <summary>Organization, run, UUIDv7 taken at linking: the list's order.</summary>
    public string RunKey { get; set; } = "";

    public static string IdOf(string organization, string runId, string telnyxAgentId) => Keys.Of(organization, runId, Keys.Part(telnyxAgentId));

    /// <summary>The UUIDv7 taken at linking (the end of <see cref="RunKey"/>).</summary>
    public Guid CreatedId() => Guid.Parse(RunKey.AsSpan(RunKey.LastIndexOf(Keys.Separator) + 1));

    public AgentLinkDocument ToDocument() => new(RunId, TelnyxAgentId, Times.Utc(CreatedAt));
}
