using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>A count the writer maintains so list totals cost one read (<see cref="CounterKeys"/>).</summary>
internal sealed class CounterRecord
{
    public string Id { get; set; } = "";
    public int Count { get; set; }
}
