using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Missions: the <c>missions</c> collection, listed along <c>OrgKey</c> (organization, id).</summary>
internal sealed class LiteDbMissionReads(LiteDbConnection connection) : IMissionReads
{
    public Task<MissionDocument> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken) =>
        connection.ReadAsync(c => RequireMission(c, organization, missionId).ToDocument());

    public Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            var total = c.Count(CounterKeys.Missions(organization));
            if (offset >= total)
            {
                return new Page<MissionDocument>([], total); // past the end: nothing to walk
            }
            var items = PageOf(c.Missions, nameof(MissionRecord.OrgKey), Keys.Prefix(organization), offset, limit)
                .Where(r => r.Organization == organization) // the key range already ensures it; checked again
                .Select(r => r.ToDocument())
                .ToList();
            return new Page<MissionDocument>(items, total);
        });
}
