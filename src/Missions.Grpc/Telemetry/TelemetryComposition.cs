using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.Telemetry;

/// <summary>
/// OpenTelemetry, the field's way: traces (a span per REST or gRPC call from ASP.NET Core's instrumentation, continuing an
/// incoming W3C <c>traceparent</c>; child spans for storage commands and watch streams) exported over OTLP when the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and not recorded at all otherwise; metrics (the framework's HTTP
/// server and Kestrel metrics, runtime, storage's and the API's) scraped in Prometheus text format.
/// </summary>
public static class TelemetryComposition
{
    public static WebApplicationBuilder AddMissionsTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Log scopes carry the current trace and span ids (shown by the JSON console formatter with IncludeScopes).
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        services.AddSingleton<ApiMetrics>();
        services.AddOptions<TelemetryOptions>().BindAtStart(TelemetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var settings = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("missions-grpc"));
        if (otlp || settings.TracingEnabled)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbeOrScrape(context.Request.Path, settings))
                .AddSource(StorageTelemetry.Name, ApiTelemetry.Name));
        }
        telemetry.WithMetrics(metrics =>
        {
            // The framework's HTTP server metrics (rate, duration, status by route or RPC) and Kestrel's connections: the
            // two ASP.NET Core meters operators chart. Not AddAspNetCoreInstrumentation(), which on .NET 8+ adds every
            // ASP.NET Core meter (routing, authentication, authorization, …: each recording per request).
            metrics
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddRuntimeInstrumentation()
                .AddMeter(StorageTelemetry.Name, ApiTelemetry.Name);
            if (settings.MetricsEnabled)
            {
                metrics.AddPrometheusExporter();
            }
        });
        if (otlp)
        {
            telemetry.UseOtlpExporter(); // reads the standard OTEL_EXPORTER_OTLP_* settings
        }
        return builder;
    }

    /// <summary>Serves <c>GET {Telemetry:MetricsPath}</c> in Prometheus text format, without a key (only on its own port when one is set).</summary>
    public static WebApplication MapMissionsMetrics(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (settings.MetricsEnabled)
        {
            app.MapPrometheusScrapingEndpoint(settings.MetricsPath).AllowAnonymous();
        }
        return app;
    }

    /// <summary>
    /// With <c>Telemetry:MetricsPort</c> set, the metrics answer only on connections that arrived on that port, and that
    /// port serves nothing else (<see cref="MetricsPortGate"/>): early, before anything else answers.
    /// </summary>
    public static WebApplication UseMissionsMetricsPort(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.MetricsPort is not null)
        {
            app.UseMiddleware<MetricsPortGate>();
        }
        return app;
    }

    private static bool IsProbeOrScrape(PathString path, TelemetryOptions settings) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments(settings.MetricsPath);
}
