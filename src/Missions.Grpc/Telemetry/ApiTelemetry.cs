using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Missions.Grpc.Telemetry;

/// <summary>
/// The API's own metrics (meter <c>Missions.Grpc</c>), beside the framework's HTTP/gRPC server metrics and storage's
/// (<see cref="Missions.Grpc.Storage.StorageTelemetry"/>). Labels are bounded: a face, a reason, a request type; never an
/// organization, a key or an id.
/// </summary>
public static class ApiTelemetry
{
    public const string Name = "Missions.Grpc";

    private static readonly Meter Meter = new(Name);

    /// <summary>Spans of the API's own (a watch stream, as a child of its call's span).</summary>
    public static readonly ActivitySource Source = new(Name);

    public static readonly UpDownCounter<long> LiveWatches = Meter.CreateUpDownCounter<long>(
        "missions.watch.streams", "{stream}", "Watch streams open now");

    public static readonly Counter<long> WatchResumes = Meter.CreateCounter<long>(
        "missions.watch.resumes", "{stream}", "Watch streams ended with a resume cursor, by reason: behind (a slow reader), shutdown");

    public static readonly Counter<long> RateLimited = Meter.CreateCounter<long>(
        "missions.rate_limit.rejections", "{request}", "Requests refused by the per-key rate limit, by face (rest, grpc)");

    public static readonly Counter<long> ValidationFailures = Meter.CreateCounter<long>(
        "missions.validation.failures", "{request}", "Requests refused as invalid (422 / INVALID_ARGUMENT), by request message type");

    public static readonly Counter<long> IdempotentReplays = Meter.CreateCounter<long>(
        "missions.idempotency.replays", "{request}", "Requests under an Idempotency-Key answered with the stored answer, writing nothing");

    public static readonly Counter<long> IdempotencyKeysPurged = Meter.CreateCounter<long>(
        "missions.idempotency.keys.purged", "{key}", "Expired Idempotency-Key records deleted");

    private static long _idempotencyKeys;

    static ApiTelemetry() => Meter.CreateObservableGauge("missions.idempotency.keys", () => Interlocked.Read(ref _idempotencyKeys), "{key}",
        "Idempotency-Key records stored (as of the last purge)");

    /// <summary>Sets the stored Idempotency-Key count the gauge reports.</summary>
    public static void IdempotencyKeysStored(long count) => Interlocked.Exchange(ref _idempotencyKeys, count);

    /// <summary>Counts a request refused as invalid, by its message type (a bounded set).</summary>
    public static void Invalid(string requestType) =>
        ValidationFailures.Add(1, new KeyValuePair<string, object?>("type", requestType));
}
