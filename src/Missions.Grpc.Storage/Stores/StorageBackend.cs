using System.Diagnostics.Metrics;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;

namespace Missions.Grpc.Storage.Stores;

/// <summary>
/// What every backend serves the same way: the stores (each answers reads from the backend's <see cref="IStorageReads"/>
/// and hands writes to its <see cref="WritePipeline"/> as commands) and its health, which is the write pipeline's (its
/// outages and what the backend's adapter reports). Constructing a backend does no I/O; <see cref="OpenAsync"/> opens its
/// database, builds its pipeline and reads, and hands them here (<see cref="Serve"/>). The stores exist from the start
/// (what depends on them can be built before the host starts) and answer once the backend is open.
/// </summary>
internal abstract class StorageBackend : IStorageBackend, IStorageHealth
{
    private IStorageReads? _reads;
    private WritePipeline? _pipeline;

    private protected StorageBackend(TimeProvider? time, IMeterFactory? meters)
    {
        Clock = new StoreClock(time);
        Metrics = new StorageMetrics(meters);
        Missions = new MissionStore(this);
        Runs = new RunStore(this);
        Plans = new PlanStore(this);
        Events = new EventStore(this);
        AgentLinks = new AgentLinkStore(this);
        Attachments = new AttachmentStore(this);
        IdempotencyKeys = new IdempotencyStore(this);
        Webhooks = new WebhookStore(this);
    }

    public IMissionStore Missions { get; }

    public IRunStore Runs { get; }

    public IPlanStore Plans { get; }

    public IEventStore Events { get; }

    public IAgentLinkStore AgentLinks { get; }

    public IAttachmentStore Attachments { get; }

    public IIdempotencyStore IdempotencyKeys { get; }

    public IWebhookStore Webhooks { get; }

    public abstract IRunFeed Feed { get; }

    public IStorageHealth Health => this;

    public StorageHealthReport Check() => Pipeline.Health();

    /// <summary>The backend's clock (its time provider: tests set it).</summary>
    internal StoreClock Clock { get; }

    /// <summary>The backend's metrics (on a meter from the host's factory).</summary>
    internal StorageMetrics Metrics { get; }

    /// <summary>The backend's reads, once open.</summary>
    internal IStorageReads Reads => _reads ?? throw NotOpen();

    /// <summary>The backend's write pipeline, once open (tests drive it directly).</summary>
    internal WritePipeline Pipeline => _pipeline ?? throw NotOpen();

    /// <summary>Whether <see cref="OpenAsync"/> completed.</summary>
    private protected bool IsOpen => _pipeline is not null;

    public abstract Task OpenAsync(CancellationToken cancellationToken = default);

    public abstract void Dispose();

    /// <summary>Serves the stores from <paramref name="reads"/> and <paramref name="pipeline"/> (the end of <see cref="OpenAsync"/>).</summary>
    private protected void Serve(IStorageReads reads, WritePipeline pipeline) => (_reads, _pipeline) = (reads, pipeline);

    private static InvalidOperationException NotOpen() => new("The storage backend is not open: it opens as the host starts.");
}
