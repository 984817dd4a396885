using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class RunStore(IRunReads reads, WritePipeline writes) : IRunStore
{
    public Task<RunDocument> CreateRunAsync(string organization, Guid missionId, NewRun run, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        writes.ExecuteAsync(new CreateRun(organization, missionId, run), idempotency, cancellationToken);

    public Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        reads.GetRunAsync(organization, missionId, runId, cancellationToken);

    public Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        reads.ListRunsAsync(organization, filter, offset, limit, cancellationToken);

    public Task<RunDocument> ChangeRunAsync(string organization, Guid missionId, Guid runId, RunChange change, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        writes.ExecuteAsync(new ChangeRun(organization, missionId, runId, change), idempotency, cancellationToken);
}
