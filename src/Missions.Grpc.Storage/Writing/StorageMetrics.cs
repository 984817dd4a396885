using System.Diagnostics.Metrics;

namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// The storage's metrics, one set per backend, on a meter from the host's <see cref="IMeterFactory"/> (so two hosts in
/// one process — tests side by side — count apart, as aspnetcore's own meters do): writes waiting in the pipeline's
/// queue, batch sizes, commit durations, writes by operation and outcome. Labels are bounded: the operation (a store
/// method's name), the outcome, the backend; never an organization, a key or an id.
/// </summary>
internal sealed class StorageMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private long _queued;

    /// <param name="meters">The host's meter factory; without one (a backend built by hand) the meter is this object's own.</param>
    public StorageMetrics(IMeterFactory? meters)
    {
        _ownsMeter = meters is null;
        _meter = meters?.Create(StorageTelemetry.Name) ?? new Meter(StorageTelemetry.Name);
        BatchSize = _meter.CreateHistogram(
            "missions.storage.batch.size", "{write}", "Writes committed together in one transaction (group commit)", tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        CommitDuration = _meter.CreateHistogram(
            "missions.storage.commit.duration", "s", "Time to run and commit one write batch", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        Writes = _meter.CreateCounter<long>(
            "missions.storage.writes", "{write}", "Write commands by operation and outcome: committed, failed, withdrawn (its caller gave up while it was queued)");
        _meter.CreateObservableGauge("missions.storage.queue.depth", () => Interlocked.Read(ref _queued), "{write}", "Writes waiting for a writer");
    }

    public Histogram<int> BatchSize { get; }

    public Histogram<double> CommitDuration { get; }

    public Counter<long> Writes { get; }

    /// <summary>A write joined (+1) or left (−1) the queue.</summary>
    public void Queued(int delta) => Interlocked.Add(ref _queued, delta);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
