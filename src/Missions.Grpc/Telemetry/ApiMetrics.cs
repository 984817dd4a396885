using System.Diagnostics.Metrics;

namespace Missions.Grpc.Telemetry;

/// <summary>
/// The API's own metrics (meter <c>Missions.Grpc</c>, one per host from its <see cref="IMeterFactory"/>, as ASP.NET Core
/// makes its own), beside the framework's HTTP/gRPC server metrics and storage's. Labels are bounded: a face, a reason,
/// a request type; never an organization, a key or an id.
/// </summary>
internal sealed class ApiMetrics
{
    private readonly UpDownCounter<long> _liveWatches;
    private readonly Counter<long> _watchResumes;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _validationFailures;
    private readonly Counter<long> _idempotentReplays;
    private readonly Counter<long> _idempotencyKeysPurged;
    private long _idempotencyKeys;

    public ApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ApiTelemetry.Name);
        _liveWatches = meter.CreateUpDownCounter<long>("missions.watch.streams", "{stream}", "Watch streams open now");
        _watchResumes = meter.CreateCounter<long>(
            "missions.watch.resumes", "{stream}", "Watch streams ended with a resume cursor, by reason: behind (a slow reader), shutdown");
        _rateLimited = meter.CreateCounter<long>(
            "missions.rate_limit.rejections", "{request}", "Requests refused by the per-key rate limit, by face (rest, grpc)");
        _validationFailures = meter.CreateCounter<long>(
            "missions.validation.failures", "{request}", "Requests refused as invalid (422 / INVALID_ARGUMENT), by request message type");
        _idempotentReplays = meter.CreateCounter<long>(
            "missions.idempotency.replays", "{request}", "Requests under an Idempotency-Key answered with the stored answer, writing nothing");
        _idempotencyKeysPurged = meter.CreateCounter<long>("missions.idempotency.keys.purged", "{key}", "Expired Idempotency-Key records deleted");
        meter.CreateObservableGauge("missions.idempotency.keys", () => Interlocked.Read(ref _idempotencyKeys), "{key}",
            "Idempotency-Key records stored (as of the last purge)");
    }

    public void WatchOpened() => _liveWatches.Add(1);

    public void WatchClosed() => _liveWatches.Add(-1);

    /// <summary>A watch ended with a resume cursor: <c>behind</c> (a slow reader) or <c>shutdown</c>.</summary>
    public void WatchResumed(string reason) => _watchResumes.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A request refused by the per-key rate limit, on its face (<c>rest</c>, <c>grpc</c>).</summary>
    public void RateLimited(string face) => _rateLimited.Add(1, new KeyValuePair<string, object?>("face", face));

    /// <summary>A request refused as invalid, by its message type (a bounded set).</summary>
    public void Invalid(string requestType) => _validationFailures.Add(1, new KeyValuePair<string, object?>("type", requestType));

    public void IdempotentReplay() => _idempotentReplays.Add(1);

    public void IdempotencyKeysPurged(int count) => _idempotencyKeysPurged.Add(count);

    /// <summary>Sets the stored Idempotency-Key count the gauge reports.</summary>
    public void IdempotencyKeysStored(long count) => Interlocked.Exchange(ref _idempotencyKeys, count);
}
