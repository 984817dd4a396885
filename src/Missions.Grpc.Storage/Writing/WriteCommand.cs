using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// One write, as a store hands it to the <see cref="WritePipeline"/>: it names what it decides on (<see cref="Declare"/>,
/// loaded for its whole batch at once), then — on the batch's state, after the commands before it — reads, lets the
/// core's rules decide, and states the rows it inserts, changes or deletes (<see cref="Execute"/>). It touches no
/// database: what it states is written by the backend with the rest of its batch. An expected refusal (not found, a
/// conflict) is returned as a failed <see cref="Outcome{T}"/>; the pipeline then undoes what the command stated, so it
/// fails alone.
/// </summary>
internal abstract class WriteCommand<T>
{
    /// <summary>The store method's name (a span and a metric label): <c>CreateMission</c>, <c>ChangeRun</c>, …</summary>
    public abstract string Operation { get; }

    /// <summary>The organization whose data the command writes (null: housekeeping across organizations).</summary>
    public abstract string? Organization { get; }

    /// <summary>
    /// The quotas the command may go past besides its organization's stored bytes and Idempotency-Key records (which the
    /// pipeline checks for every command): a count it raises.
    /// </summary>
    public virtual IEnumerable<Quota> Quotas(QuotaOptions quotas) => [];

    /// <summary>What the command reads and holds: declared here, loaded for the batch before any command runs.</summary>
    public abstract void Declare(BatchNeeds needs);

    /// <summary>The decision and its rows, on <paramref name="batch"/> as the commands before this one left it.</summary>
    public abstract Outcome<T> Execute(BatchState batch);
}
