namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// What a backend gives the <see cref="WritePipeline"/>: transactions over its database, a way to tell its failures
/// apart, and its housekeeping between batches. Everything else about writing — the queue, group commit, fail-alone,
/// backoff, counters, <c>Idempotency-Key</c> records, publication, outages and health — is the pipeline's, once for
/// every backend. Called on the pipeline's thread only.
/// </summary>
internal interface ITransactionAdapter : IDisposable
{
    /// <summary>The backend's name in metrics (<c>litedb</c>, <c>postgres</c>).</summary>
    string Name { get; }

    /// <summary>
    /// What a write outage leaves working: Degraded when reads go on (an embedded file that cannot be written),
    /// Unavailable when they fail as well (a database that cannot be reached).
    /// </summary>
    StorageHealthStatus DuringOutage { get; }

    /// <summary>Opens a transaction for one attempt at a batch.</summary>
    IBatchTransaction Begin();

    /// <summary>What a failure means (see <see cref="FailureKind"/>).</summary>
    BatchFailure Classify(Exception error);

    /// <summary>Work between batches (reopening files a read found failed, checkpoints); <paramref name="writesFailing"/> during a write outage.</summary>
    void Housekeeping(bool writesFailing);

    /// <summary>When the next housekeeping is due on its own (a retry it scheduled); null when nothing is.</summary>
    TimeSpan? HousekeepingDue { get; }

    /// <summary>The backend's own health beside the pipeline's write outages (files being reopened, checkpoints failing); null when well.</summary>
    StorageHealthReport? Health();

    /// <summary>The last work at shutdown, after the last batch (a final checkpoint).</summary>
    void Stop();
}
