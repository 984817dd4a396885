namespace Missions.Grpc.Storage.Core;

/// <summary>The limits and conflicts of linking Telnyx agents to a run.</summary>
internal static class AgentLinkRules
{
    /// <summary>Most agents one run links (the list is returned whole, unpaginated).</summary>
    public const int MaxPerRun = 1_000;

    public static ConflictException Duplicate(string telnyxAgentId) => new(
        $"Telnyx agent '{telnyxAgentId}' is already linked to this run", "AGENT_ALREADY_LINKED",
        new Dictionary<string, string> { ["telnyx_agent_id"] = telnyxAgentId }, alreadyExists: true);

    public static ConflictException Full() => new($"A run links at most {MaxPerRun} Telnyx agents", "TOO_MANY_AGENT_LINKS");
}
