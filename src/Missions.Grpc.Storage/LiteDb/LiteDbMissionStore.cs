using LiteDB;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Missions: the <c>missions</c> collection, listed along <c>OrgKey</c> (organization, id).</summary>
internal sealed class LiteDbMissionStore(LiteDbBackend backend) : IMissionStore
{
    public Task<MissionDocument> CreateMissionAsync(NewMission mission, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<MissionDocument>(db => Insert(db, mission).ToDocument(), cancellationToken);

    public Task<MissionDocument> GetMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        backend.Read(c => RequireMission(c, organization, missionId).ToDocument());

    public Task<Page<MissionDocument>> ListMissionsAsync(string organization, int offset, int limit, CancellationToken cancellationToken = default) =>
        backend.Read(c =>
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

    public Task<MissionDocument> UpdateMissionAsync(string organization, Guid missionId, MissionChanges changes, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<MissionDocument>(db =>
        {
            var missions = db.GetCollection<MissionRecord>(LiteDbSchema.Missions);
            if (FindMission(missions, organization, missionId) is not { } stored)
            {
                return Outcome<MissionDocument>.Fail(NotFound.Mission());
            }
            var current = stored.ToDocument();
            var updated = MissionRules.Apply(current, changes, backend.Clock.Later(current.UpdatedAt));
            missions.Update(MissionRecord.From(updated, stored.AttachmentCount));
            return updated;
        }, cancellationToken);

    public async Task DeleteMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        await backend.WriteAsync<IReadOnlyList<string>>(
            db =>
            {
                var missions = db.GetCollection<MissionRecord>(LiteDbSchema.Missions);
                if (FindMission(missions, organization, missionId) is not { } stored)
                {
                    return Outcome<IReadOnlyList<string>>.Fail(NotFound.Mission());
                }
                // The whole cascade is this one command, hence one transaction.
                var runs = LiteDbRunStore.DeleteRunsOf(backend, db, stored);
                LiteDbAttachmentStore.DeleteAttachmentsOf(db, stored);
                missions.Delete(stored.Id);
                backend.Count(-1, CounterKeys.Missions(organization));
                return Outcome<IReadOnlyList<string>>.From(runs);
            },
            cancellationToken,
            runs =>
            {
                foreach (var run in runs)
                {
                    backend.Published.Publish(organization, run, new RunRemoved(run)); // ends the runs' watchers
                }
            }).ConfigureAwait(false);

    public Task<MissionDocument> CloneMissionAsync(string organization, Guid missionId, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<MissionDocument>(db =>
        {
            if (FindMission(db, organization, missionId) is not { } source)
            {
                return Outcome<MissionDocument>.Fail(NotFound.Mission());
            }
            // The definition and the attachments (with new ids) are copied, in this one command; runs are not.
            var clone = Insert(db, MissionRules.CloneOf(source.ToDocument()));
            LiteDbAttachmentStore.CopyAttachments(backend, db, source, clone);
            return clone.ToDocument();
        }, cancellationToken);

    /// <summary>Inserts a new mission; runs on the writer, so the UUIDv7 id order is the commit order.</summary>
    private MissionRecord Insert(LiteDatabase db, NewMission mission)
    {
        var record = MissionRecord.From(MissionRules.Create(mission, backend.Ids.NewId().ToString(), backend.Clock.Now()), attachmentCount: 0);
        db.GetCollection<MissionRecord>(LiteDbSchema.Missions).Insert(record);
        backend.Count(+1, CounterKeys.Missions(record.Organization));
        return record;
    }
}
