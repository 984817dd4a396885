namespace Missions.Grpc.Storage;

/// <summary>
/// A requested status change, as the caller asks for it: a status update (PATCH) names the target status; the verbs
/// <c>cancel</c>, <c>pause</c> and <c>resume</c> name themselves. Which stored statuses allow it, and what is answered
/// otherwise, is the run state machine's to decide (<c>Core.RunLifecycle</c>), inside the write that applies it.
/// </summary>
public sealed record RunTransition
{
    private RunTransition(string? verb, string target, string? onlyFrom)
    {
        Verb = verb;
        Target = target;
        OnlyFrom = onlyFrom;
    }

    /// <summary>The operation's name (<c>cancel</c>, <c>pause</c>, <c>resume</c>), or null for a status update.</summary>
    public string? Verb { get; }

    /// <summary>The status asked for.</summary>
    public string Target { get; }

    /// <summary>A verb that moves a run from one status only (<c>pause</c>: <c>running</c>); null for the others.</summary>
    public string? OnlyFrom { get; }

    public static RunTransition Cancel { get; } = new("cancel", RunStatus.Cancelled, null);

    public static RunTransition Pause { get; } = new("pause", RunStatus.Paused, RunStatus.Running);

    public static RunTransition Resume { get; } = new("resume", RunStatus.Running, RunStatus.Paused);

    /// <summary>A status update (PATCH): any allowed next status; the current status again is a no-op.</summary>
    public static RunTransition To(string target) => RunStatus.All.Contains(target)
        ? new RunTransition(null, target, null)
        : throw new ArgumentException($"'{target}' is not a run status.", nameof(target));
}
