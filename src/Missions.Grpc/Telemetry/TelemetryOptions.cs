using System.ComponentModel.DataAnnotations;

namespace Missions.Grpc.Telemetry;

/// <summary>Configuration section <c>Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Serve Prometheus metrics (no key).</summary>
    public bool MetricsEnabled { get; set; } = true;

    /// <summary>Where metrics are served; on the REST endpoint unless <see cref="MetricsPort"/> is set.</summary>
    [RegularExpression("^/[A-Za-z0-9/_.-]*$")]
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>
    /// Serve metrics only on this port: add a Kestrel endpoint for it (e.g. <c>Kestrel:Endpoints:Metrics:Url</c> =
    /// <c>http://0.0.0.0:9464</c>) and set this. Decided by the port a connection arrived on: the API's ports answer 404 at
    /// <see cref="MetricsPath"/>, and this port answers 404 to everything else.
    /// </summary>
    [Range(1, 65535)]
    public int? MetricsPort { get; set; }

    /// <summary>Record traces even without an OTLP endpoint (for an exporter added in code, e.g. tests). With
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, traces are on.</summary>
    public bool TracingEnabled { get; set; }
}
