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
