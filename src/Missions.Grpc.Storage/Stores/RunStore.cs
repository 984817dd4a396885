using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class RunStore(StorageBackend backend) : IRunStore
{
    private IRunReads Reads => backend.Reads.Runs;

    private WritePipeline Writes => backend.Pipeline;

    public Task<RunDocument> CreateRunAsync(string organization, Guid missionId, NewRun run, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new CreateRun(organization, missionId, run), idempotency, cancellationToken);

    public Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        Reads.GetRunAsync(organization, missionId, runId, cancellationToken);

    public Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        Reads.ListRunsAsync(organization, filter, offset, limit, cancellationToken);

    public async Task<RunStats> GetRunStatsAsync(string organization, Guid missionId, int window, CancellationToken cancellationToken = default)
    {
        var read = await Reads.ReadStatsWindowAsync(organization, missionId, window, cancellationToken).ConfigureAwait(false);
        return RunStatsRules.Compute(missionId.ToString(), read.TotalRuns, read.Runs);
    }

    public Task<RunDocument> ChangeRunAsync(string organization, Guid missionId, Guid runId, RunChange change, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new ChangeRun(organization, missionId, runId, change), idempotency, cancellationToken);
}
