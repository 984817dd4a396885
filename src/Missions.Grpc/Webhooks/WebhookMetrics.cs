using System.Diagnostics.Metrics;
using Missions.Grpc.Telemetry;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// The webhook deliveries' metrics (on the API's meter, one per host). Labels are bounded — an outcome, a result —
/// never an organization, an endpoint or a URL.
/// </summary>
internal sealed class WebhookMetrics
{
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _attemptDuration;
    private readonly Histogram<double> _deliveryLag;
    private long _inFlight;
    private long _pending = -1;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ApiTelemetry.Name);
        _deliveries = meter.CreateCounter<long>(
            "missions.webhook.deliveries", "{delivery}", "Webhook deliveries that ended, by outcome: succeeded, failed (the schedule ran out)");
        _attempts = meter.CreateCounter<long>(
            "missions.webhook.attempts", "{attempt}", "Webhook delivery attempts, by result: success (2xx), http_error (another status), no_response");
        _attemptDuration = meter.CreateHistogram<double>(
            "missions.webhook.attempt.duration", "s", "How long an attempt took, from connecting to the receiver's answer");
        _deliveryLag = meter.CreateHistogram<double>(
            "missions.webhook.delivery.lag", "s", "From the change to its successful delivery (retries included)");
        meter.CreateObservableGauge("missions.webhook.in_flight", () => Interlocked.Read(ref _inFlight), "{attempt}", "Attempts in flight now, on this replica");
        meter.CreateObservableGauge("missions.webhook.pending", ObservePending, "{delivery}",
            "Deliveries waiting to be delivered (every replica's; as of the dispatcher's last count)");
    }

    public void Attempted(string result, TimeSpan elapsed)
    {
        _attempts.Add(1, new KeyValuePair<string, object?>("result", result));
        _attemptDuration.Record(elapsed.TotalSeconds);
    }

    public void Delivered(TimeSpan lag)
    {
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "succeeded"));
        _deliveryLag.Record(Math.Max(0, lag.TotalSeconds));
    }

    public void Failed() => _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));

    public void InFlight(int delta) => Interlocked.Add(ref _inFlight, delta);

    public void Pending(long count) => Interlocked.Exchange(ref _pending, count);

    private IEnumerable<Measurement<long>> ObservePending()
    {
        var pending = Interlocked.Read(ref _pending);
        return pending < 0 ? [] : [new Measurement<long>(pending)];
    }
}
