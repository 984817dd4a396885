namespace Missions.Grpc.Storage;

/// <summary>The spec's StepStatus values and the stamping rules of docs/api.md → Plan.</summary>
internal static class StepStatus
{
    public const string Pending = "pending";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Skipped = "skipped";
    public const string Failed = "failed";

    /// <summary>Statuses that end a step and stamp <c>completed_at</c>.</summary>
    public static bool IsDone(string status) => status is Completed or Skipped or Failed;
}
