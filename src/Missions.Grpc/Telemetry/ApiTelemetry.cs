using System.Diagnostics;

namespace Missions.Grpc.Telemetry;

/// <summary>The API's telemetry names: its meter (<see cref="ApiMetrics"/>) and its spans (a watch stream, as a child of its call's span).</summary>
internal static class ApiTelemetry
{
    public const string Name = "Missions.Grpc";

    /// <summary>Spans of the API's own. Listeners subscribe by name, process-wide, as to every <see cref="ActivitySource"/>.</summary>
    public static readonly ActivitySource Source = new(Name);
}
