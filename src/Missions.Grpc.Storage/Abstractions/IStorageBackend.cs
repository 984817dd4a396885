namespace Missions.Grpc.Storage;

/// <summary>
/// A storage backend: one store per resource over a shared context (connection, writer, clock, ids), the run feed and
/// health. Registered once; every store interface is resolved from it.
/// </summary>
public interface IStorageBackend : IDisposable
{
    IMissionStore Missions { get; }

    IRunStore Runs { get; }

    IPlanStore Plans { get; }

    IEventStore Events { get; }

    IAgentLinkStore AgentLinks { get; }

    IAttachmentStore Attachments { get; }

    IIdempotencyStore IdempotencyKeys { get; }

    IRunFeed Feed { get; }

    IStorageHealth Health { get; }
}
