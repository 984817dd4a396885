namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// One attempt at a batch, in one transaction: load what its commands decide on, write what they decided together with
/// the batch's commit marker, commit. Nothing is committed until <see cref="Commit"/>; disposing it uncommitted rolls
/// it back.
/// </summary>
internal interface IBatchTransaction : IDisposable
{
    /// <summary>Loads (and locks) everything <paramref name="needs"/> names into <paramref name="state"/>: one round trip on a networked database.</summary>
    void Load(BatchNeeds needs, BatchState state);

    /// <summary>Writes the batch's changes, its counters, its <c>Idempotency-Key</c> records, its runs' changes and its commit marker: one round trip.</summary>
    void Write(BatchState state);

    void Commit();

    /// <summary>
    /// <see cref="Commit"/> threw (<paramref name="error"/>): whether the batch is stored, asked of the database through the
    /// batch's marker, never by running it again. May finish later (a database that answers again in a few seconds).
    /// </summary>
    Task<CommitOutcome> SettleAsync(Exception error);
}
