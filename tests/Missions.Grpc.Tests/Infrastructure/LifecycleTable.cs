namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// docs/api.md → Run lifecycle, written out pair by pair for the tests (not derived from the code under
/// test): the unit tests of the state machine and the REST tests of every transition share it.
/// </summary>
public static class LifecycleTable
{
    public static readonly string[] Statuses = ["pending", "running", "paused", "succeeded", "failed", "cancelled"];

    public static readonly string[] Terminal = ["succeeded", "failed", "cancelled"];

    /// <summary>The (from, to) pairs a status update may take.</summary>
    public static readonly HashSet<(string From, string To)> Allowed =
    [
        ("pending", "running"), ("pending", "cancelled"), ("pending", "failed"),
        ("running", "paused"), ("running", "succeeded"), ("running", "failed"), ("running", "cancelled"),
        ("paused", "running"), ("paused", "cancelled"), ("paused", "failed"),
    ];

    /// <summary>Every (from, to) pair of statuses, allowed or not.</summary>
    public static TheoryData<string, string> EveryPair()
    {
        var data = new TheoryData<string, string>();
        foreach (var from in Statuses)
        {
            foreach (var to in Statuses)
            {
                data.Add(from, to);
            }
        }
        return data;
    }
}
