namespace Missions.Grpc.Storage;

/// <summary>
/// A storage backend: one store per resource over a shared context (connection, writer, clock, ids), the run feed and
/// health. Registered once; every store interface is resolved from it. Built without I/O: it opens as the host starts
/// (<see cref="OpenAsync"/>, run by <see cref="StorageStartup"/>), and its stores answer from then on.
/// </summary>
internal interface IStorageBackend : IDisposable
{
    /// <summary>
    /// Opens the database (and brings its schema up to date), starts the write pipeline and commits a first, empty
    /// batch, so that storage that cannot be used refuses the start, not the first request. Throws
    /// <see cref="StorageStartException"/> saying what the operator must fix.
    /// </summary>
    Task OpenAsync(CancellationToken cancellationToken = default);

    IMissionStore Missions { get; }

    IRunStore Runs { get; }

    IPlanStore Plans { get; }

    IEventStore Events { get; }

    IAgentLinkStore AgentLinks { get; }

    IAttachmentStore Attachments { get; }

    IIdempotencyStore IdempotencyKeys { get; }

    IWebhookStore Webhooks { get; }

    IRunFeed Feed { get; }

    IStorageHealth Health { get; }
}
