namespace Missions.Grpc.Storage.Stores;

/// <summary>The reads of <see cref="IRunStore"/> (same contract).</summary>
internal interface IRunReads
{
    Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken);

    Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The mission's run total (its counter) and its newest <paramref name="window"/> runs' status and times, newest first, along
    /// the list's index; "Mission not found" for an unknown mission or another organization's.
    /// </summary>
    Task<RunStatsWindow> ReadStatsWindowAsync(string organization, Guid missionId, int window, CancellationToken cancellationToken);
}
