namespace Missions.Grpc.Storage.Stores;

/// <summary>The reads of <see cref="IRunStore"/> (same contract).</summary>
internal interface IRunReads
{
    Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken);

    Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken);
}
