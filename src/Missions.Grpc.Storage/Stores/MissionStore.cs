using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Storage.Writing.Commands;

namespace Missions.Grpc.Storage.Stores;

internal sealed class MissionStore(StorageBackend backend) : IMissionStore
{
    private IMissionReads Reads => backend.Reads.Missions;

    private WritePipeline Writes => backend.Pipeline;

    public Task<MissionDocument> CreateMissionAsync(NewMission mission, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new CreateMission(mission), idempotency, cancellationToken);

    public Task<MissionDocument> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        Reads.GetMissionAsync(organization, missionId, cancellationToken);

    public Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken = default) =>
        Reads.ListMissionsAsync(organization, offset, limit, cancellationToken);

    public Task<MissionDocument> UpdateMissionAsync(string organization, Guid missionId, MissionChanges changes, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new UpdateMission(organization, missionId, changes), idempotency, cancellationToken);

    public Task DeleteMissionAsync(string organization, Guid missionId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new DeleteMission(organization, missionId), idempotency, cancellationToken);

    public Task<MissionDocument> CloneMissionAsync(string organization, Guid missionId, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
        Writes.ExecuteAsync(new CloneMission(organization, missionId), idempotency, cancellationToken);
}
