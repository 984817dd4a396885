using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;

namespace Missions.Grpc.Storage.Stores;

/// <summary>
/// The stores every backend serves: each answers reads from the backend (<see cref="IStorageReads"/>) and hands writes
/// to the one write pipeline as commands. Nothing here knows which database it runs on.
/// </summary>
internal sealed class StoreSet(IStorageReads reads, WritePipeline writes, StoreClock clock)
{
    public IMissionStore Missions { get; } = new MissionStore(reads.Missions, writes);

    public IRunStore Runs { get; } = new RunStore(reads.Runs, writes);

    public IPlanStore Plans { get; } = new PlanStore(reads.Plans, writes);

    public IEventStore Events { get; } = new EventStore(reads.Events, writes);

    public IAgentLinkStore AgentLinks { get; } = new AgentLinkStore(reads.AgentLinks, writes);

    public IAttachmentStore Attachments { get; } = new AttachmentStore(reads.Attachments, writes);

    public IIdempotencyStore IdempotencyKeys { get; } = new IdempotencyStore(reads, writes, clock);
}
