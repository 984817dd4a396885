using System.Collections.Concurrent;
using System.Diagnostics;

namespace Missions.Grpc.Storage;

/// <summary>
/// What storage tells OpenTelemetry, the same for both backends, under one name (<see cref="Name"/>): a span per storage
/// command (a child of the call that made it; a write's span says the size of the batch it committed in), and the
/// metrics of <c>StorageMetrics</c> (a meter per host). The activity source is process-wide, as listeners to spans
/// subscribe by name. Costs nothing without a listener.
/// </summary>
public static class StorageTelemetry
{
    public const string Name = "Missions.Grpc.Storage";

    internal static readonly ActivitySource Source = new(Name);

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
