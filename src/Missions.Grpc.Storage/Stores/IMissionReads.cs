namespace Missions.Grpc.Storage.Stores;

/// <summary>The reads of <see cref="IMissionStore"/> (same contract).</summary>
internal interface IMissionReads
{
    Task<MissionDocument> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken);

    Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken);
}
