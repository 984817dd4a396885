using Missions.Grpc.Storage.Writing;

namespace Missions.Grpc.Storage.Stores;

/// <summary>
/// What every backend serves the same way: the stores (its reads and the write pipeline's commands, <see cref="StoreSet"/>)
/// and its health, which is the write pipeline's (its outages and what the backend's adapter reports). A backend opens
/// its database, builds its pipeline and reads, and hands them here (<see cref="Serve"/>).
/// </summary>
public abstract class StorageBackend : IStorageBackend, IStorageHealth
{
    private StoreSet? _stores;
    private WritePipeline? _pipeline;

    private protected StorageBackend()
    {
    }

    public IMissionStore Missions => Stores.Missions;

    public IRunStore Runs => Stores.Runs;

    public IPlanStore Plans => Stores.Plans;

    public IEventStore Events => Stores.Events;

    public IAgentLinkStore AgentLinks => Stores.AgentLinks;

    public IAttachmentStore Attachments => Stores.Attachments;

    public IIdempotencyStore IdempotencyKeys => Stores.IdempotencyKeys;

    public abstract IRunFeed Feed { get; }

    public IStorageHealth Health => this;

    public StorageHealthReport Check() => Pipeline.Health();

    /// <summary>The backend's write pipeline (tests drive it directly).</summary>
    internal WritePipeline Pipeline => _pipeline ?? throw new InvalidOperationException("The storage backend is not open.");

    public abstract void Dispose();

    /// <summary>Serves <paramref name="stores"/>, written through <paramref name="pipeline"/>.</summary>
    private protected void Serve(StoreSet stores, WritePipeline pipeline) => (_stores, _pipeline) = (stores, pipeline);

    private StoreSet Stores => _stores ?? throw new InvalidOperationException("The storage backend is not open.");
}
