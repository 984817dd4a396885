namespace Missions.Grpc.Storage.Core;

/// <summary>
/// The run state machine (docs/api.md → Run lifecycle), the one place its rules live: which statuses follow which, and
/// what a requested <see cref="RunTransition"/> decides against the stored status — evaluated by the store inside the
/// same atomic write that applies it.
/// </summary>
internal static class RunLifecycle
{
    /// <summary>Allowed next statuses of each status (in the spec's order); terminal statuses have none.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Next { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [RunStatus.Pending] = [RunStatus.Running, RunStatus.Failed, RunStatus.Cancelled],
        [RunStatus.Running] = [RunStatus.Paused, RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled],
        [RunStatus.Paused] = [RunStatus.Running, RunStatus.Failed, RunStatus.Cancelled],
        [RunStatus.Succeeded] = [],
        [RunStatus.Failed] = [],
        [RunStatus.Cancelled] = [],
    };

    public static bool IsAllowed(string from, string to) => Next.TryGetValue(from, out var next) && next.Contains(to);

    /// <summary>
    /// What <paramref name="transition"/> decides from <paramref name="current"/>. A status update may set any allowed
    /// next status, and setting the current one again changes nothing; a verb moves a run along an allowed edge into its
    /// target (from its one source status, when it has one), and is refused from anywhere else.
    /// </summary>
    public static TransitionDecision Decide(RunTransition transition, string current) =>
        transition.Verb is null && current == transition.Target ? TransitionDecision.Unchanged
        : Sources(transition).Contains(current) ? TransitionDecision.Apply
        : TransitionDecision.Refuse;

    /// <summary>Why <paramref name="transition"/> is refused from <paramref name="current"/>, naming both statuses.</summary>
    public static string Refusal(RunTransition transition, string current)
    {
        if (transition.Verb is { } verb)
        {
            return $"Cannot {verb} a run whose status is '{current}': {verb} moves a run from {Quoted(Sources(transition))} to '{transition.Target}'";
        }
        var next = Next[current];
        return next.Count == 0
            ? $"Cannot change run status from '{current}' to '{transition.Target}': '{current}' is a final status"
            : $"Cannot change run status from '{current}' to '{transition.Target}': from '{current}' a run can move to {Quoted(next)}";
    }

    /// <summary>The statuses a transition moves a run from: every status with an allowed edge to its target, narrowed to its one source if it has one.</summary>
    private static IReadOnlyList<string> Sources(RunTransition transition) =>
        RunStatus.All.Where(s => IsAllowed(s, transition.Target) && (transition.OnlyFrom is null || s == transition.OnlyFrom)).ToList();

    private static string Quoted(IEnumerable<string> statuses)
    {
        var quoted = statuses.Select(s => $"'{s}'").ToList();
        return quoted.Count <= 1 ? string.Concat(quoted) : string.Join(", ", quoted[..^1]) + " or " + quoted[^1];
    }
}
