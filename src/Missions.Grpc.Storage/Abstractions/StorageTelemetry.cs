using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Missions.Grpc.Storage;

/// <summary>
/// What storage tells OpenTelemetry, the same for both backends: a span per storage command (a child of the call that
/// made it; a write's span says the size of the batch it committed in), and metrics — writes waiting in the writers'
/// queues, batch sizes, commit durations, writes by operation and outcome. Labels are bounded: the operation (a store
/// method's name), the outcome, the backend; never an organization, a key or an id. Costs nothing without a listener.
/// </summary>
public static class StorageTelemetry
{
    public const string Name = "Missions.Grpc.Storage";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);
    private static long _queued;

    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram(
        "missions.storage.batch.size", "{write}", "Writes committed together in one transaction (group commit)", tags: null,
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram(
        "missions.storage.commit.duration", "s", "Time to run and commit one write batch", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    public static readonly Counter<long> Writes = Meter.CreateCounter<long>(
        "missions.storage.writes", "{write}", "Write commands by operation and outcome: committed, failed, withdrawn (its caller gave up while it was queued)");

    static StorageTelemetry() =>
        Meter.CreateObservableGauge("missions.storage.queue.depth", () => Interlocked.Read(ref _queued), "{write}", "Writes waiting for a writer");

    internal static void Queued(int delta) => Interlocked.Add(ref _queued, delta);

    private static readonly ConcurrentDictionary<string, OperationNames> Names = new(StringComparer.Ordinal);

    /// <summary>A span for a read by <paramref name="member"/> (a store method), or null when nobody listens.</summary>
    internal static Activity? StartRead(string member) => Source.StartActivity(NamesOf(member).ReadSpan);

    /// <summary>
    /// A store method's names, made once per method (no allocation per command, listened to or not): the operation
    /// (<c>CreateMissionAsync</c> → <c>CreateMission</c>) and its span names.
    /// </summary>
    internal static OperationNames NamesOf(string member) => Names.GetOrAdd(member, static member =>
    {
        var operation = member.EndsWith("Async", StringComparison.Ordinal) ? member[..^5] : member;
        return new OperationNames(operation, "storage read " + operation, "storage write " + operation);
    });

    internal sealed record OperationNames(string Operation, string ReadSpan, string WriteSpan);
}
