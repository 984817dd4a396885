namespace Missions.Grpc.Storage;

/// <summary>The spec's RunStatus values, as stored and as written on the wire.</summary>
public static class RunStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Every status, in the spec's order.</summary>
    public static IReadOnlyList<string> All { get; } = [Pending, Running, Paused, Succeeded, Failed, Cancelled];

    /// <summary>Terminal statuses end a run for good and stamp <c>finished_at</c>.</summary>
    public static bool IsTerminal(string status) => status is Succeeded or Failed or Cancelled;
}

/// <summary>
/// The run state machine (docs/api.md → Run lifecycle), the one place its rules live. PATCH,
/// cancel, pause and resume each describe what they ask for as a <see cref="RunTransition"/>; the store
/// evaluates it against the stored status inside the same atomic write that applies it.
/// </summary>
public static class RunLifecycle
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
}

/// <summary>What an operation on a run decides when it meets the stored status.</summary>
public enum TransitionDecision
{
    /// <summary>Move to the target status.</summary>
    Apply,

    /// <summary>The run is already in the target status and the operation allows that: nothing moves.</summary>
    Unchanged,

    /// <summary>The operation is not allowed from the stored status: 409 / FAILED_PRECONDITION.</summary>
    Refuse,
}

/// <summary>
/// A requested status change: the target status, and which current statuses allow it. PATCH may set any
/// allowed next status (setting the current one again changes nothing); the verbs are narrower:
/// <c>pause</c> needs <c>running</c>, <c>resume</c> needs <c>paused</c>, <c>cancel</c> a non-terminal run.
/// </summary>
public sealed class RunTransition
{
    private readonly IReadOnlySet<string> _from;
    private readonly bool _sameIsUnchanged;

    private RunTransition(string? verb, string target, IEnumerable<string> from, bool sameIsUnchanged)
    {
        Verb = verb;
        Target = target;
        _from = from.ToHashSet(StringComparer.Ordinal);
        _sameIsUnchanged = sameIsUnchanged;
    }

    /// <summary>The operation's name (<c>cancel</c>, <c>pause</c>, <c>resume</c>), or null for a status update.</summary>
    public string? Verb { get; }

    /// <summary>The status asked for.</summary>
    public string Target { get; }

    public static RunTransition Cancel { get; } = Of("cancel", RunStatus.Cancelled);

    public static RunTransition Pause { get; } = Of("pause", RunStatus.Paused, RunStatus.Running);

    public static RunTransition Resume { get; } = Of("resume", RunStatus.Running, RunStatus.Paused);

    /// <summary>A status update (PATCH): any allowed next status; the current status again is a no-op.</summary>
    public static RunTransition To(string target)
    {
        if (!RunLifecycle.Next.ContainsKey(target))
        {
            throw new ArgumentException($"'{target}' is not a run status.", nameof(target));
        }
        return new RunTransition(null, target, RunStatus.All.Where(s => RunLifecycle.IsAllowed(s, target)), sameIsUnchanged: true);
    }

    public TransitionDecision Decide(string current) =>
        _sameIsUnchanged && current == Target ? TransitionDecision.Unchanged
        : _from.Contains(current) ? TransitionDecision.Apply
        : TransitionDecision.Refuse;

    /// <summary>Why the operation is refused from <paramref name="current"/>, naming both statuses.</summary>
    public string Refusal(string current)
    {
        if (Verb is not null)
        {
            return $"Cannot {Verb} a run whose status is '{current}': {Verb} moves a run from {Quoted(StatusesIn(_from))} to '{Target}'";
        }
        var next = RunLifecycle.Next[current];
        return next.Count == 0
            ? $"Cannot change run status from '{current}' to '{Target}': '{current}' is a final status"
            : $"Cannot change run status from '{current}' to '{Target}': from '{current}' a run can move to {Quoted(next)}";
    }

    /// <summary>The verb's sources: every status with an allowed edge to the target, narrowed to <paramref name="only"/> if given.</summary>
    private static RunTransition Of(string verb, string target, string? only = null) => new(
        verb,
        target,
        RunStatus.All.Where(s => RunLifecycle.IsAllowed(s, target) && (only is null || s == only)),
        sameIsUnchanged: false);

    private static IEnumerable<string> StatusesIn(IReadOnlySet<string> set) => RunStatus.All.Where(set.Contains);

    private static string Quoted(IEnumerable<string> statuses)
    {
        var quoted = statuses.Select(s => $"'{s}'").ToList();
        return quoted.Count <= 1 ? string.Concat(quoted) : string.Join(", ", quoted[..^1]) + " or " + quoted[^1];
    }
}
