using System.Text.RegularExpressions;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>Real ids (a mission, run, step, event, agent link, attachments) the cases refer to by placeholder, so the deep handlers run.</summary>
internal sealed partial class FuzzFixture(Dictionary<string, string> ids)
{
    /// <summary>Placeholders <c>@@name@@</c> → the fixture's ids; in a watch, the run is the terminal one (a live run's stream never ends).</summary>
    public string Resolve(string text, bool watch) => Placeholder().Replace(text, m =>
    {
        var key = watch && m.Groups[1].Value == "run_id" ? "terminal_run_id" : m.Groups[1].Value;
        return ids.TryGetValue(key, out var id) ? id : m.Value;
    });

    /// <summary>The fixture keys a path variable or body field may take the real value of.</summary>
    internal static readonly Dictionary<string, string> RealKey = new(StringComparer.Ordinal)
    {
        ["mission_id"] = "mission_id",
        ["run_id"] = "run_id",
        ["step_id"] = "step_id",
        ["parent_step_id"] = "step_id",
        ["event_id"] = "event_id",
        ["after_event_id"] = "event_id",
        ["telnyx_agent_id"] = "telnyx_agent_id",
        ["agent_id"] = "telnyx_agent_id",
        ["tool_id"] = "tool_id",
        ["knowledge_base_id"] = "knowledge_base_id",
        ["mcp_server_id"] = "mcp_server_id",
        ["idempotency_key"] = "idempotency_key",
    };

    internal static readonly string[] FixtureKeys =
        ["mission_id", "run_id", "terminal_run_id", "step_id", "second_step_id", "event_id", "telnyx_agent_id", "tool_id", "knowledge_base_id", "mcp_server_id"];

    [GeneratedRegex("@@([a-z_]+)@@")]
    private static partial Regex Placeholder();
}
