using LiteDB;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Runs: the <c>runs</c> collection with four list indexes — (organization), (organization, mission),
/// (organization, status), (organization, mission, status), each ending in the run's UUIDv7 id — and a counter for
/// each, so every list and filter is a range walk with a total that costs one read. A change is decided by
/// <see cref="RunRules"/> inside the writer's command that applies it.
/// </summary>
internal sealed class LiteDbRunStore(LiteDbBackend backend) : IRunStore
{
    public Task<RunDocument> CreateRunAsync(string organization, Guid missionId, NewRun run, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<RunDocument>(db =>
        {
            // Checked in the same command as the insert: a concurrent delete of the mission cannot leave an orphan.
            if (FindMission(db, organization, missionId) is null)
            {
                return Outcome<RunDocument>.Fail(NotFound.Mission());
            }
            var started = RunRules.Start(organization, missionId.ToString(), run, backend.Ids.NewId().ToString(), backend.Clock.Now());
            db.GetCollection<RunRecord>(LiteDbSchema.Runs).Insert(RunRecord.From(started));
            backend.Count(+1, CounterKeys.Of(started));
            return started;
        }, cancellationToken);

    public Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        backend.Read(c => RequireRun(c, organization, missionId, runId).ToDocument());

    public Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        backend.Read(c =>
        {
            if (filter.MissionId is { } missionId)
            {
                RequireMission(c, organization, missionId);
            }
            var mission = filter.MissionId?.ToString();
            var (keyField, prefix, counter) = (mission, filter.Status) switch
            {
                (null, null) => (nameof(RunRecord.OrgKey), Keys.Prefix(organization), CounterKeys.Runs(organization)),
                (null, { } status) => (nameof(RunRecord.OrgStatusKey), Keys.Prefix(organization, status), CounterKeys.RunsByStatus(organization, status)),
                ({ } id, null) => (nameof(RunRecord.MissionKey), Keys.Prefix(organization, id), CounterKeys.RunsByMission(organization, id)),
                ({ } id, { } status) => (nameof(RunRecord.MissionStatusKey), Keys.Prefix(organization, id, status), CounterKeys.RunsByMissionStatus(organization, id, status)),
            };
            var total = c.Count(counter);
            if (offset >= total)
            {
                return new Page<RunDocument>([], total);
            }
            var items = PageOf(c.Runs, keyField, prefix, offset, limit)
                .Where(r => r.Organization == organization
                    && (mission is null || r.MissionId == mission)
                    && (filter.Status is null || r.Status == filter.Status)) // the key range already ensures it; checked again
                .Select(r => r.ToDocument())
                .ToList();
            return new Page<RunDocument>(items, total);
        });

    public async Task<RunDocument> ChangeRunAsync(string organization, Guid missionId, Guid runId, RunChange change, CancellationToken cancellationToken = default)
    {
        var (run, _) = await backend.WriteAsync<(RunDocument Run, bool Changed)>(
            db =>
            {
                var resolved = ResolveRun(db, organization, missionId, runId);
                if (resolved.Failed)
                {
                    return Outcome<(RunDocument, bool)>.Fail(resolved.Error!);
                }
                var stored = resolved.Value!.ToDocument();
                var decided = RunRules.Apply(stored, change, backend.Clock);
                if (decided is { Failed: false, Value: (var changed, true) })
                {
                    db.GetCollection<RunRecord>(LiteDbSchema.Runs).Update(RunRecord.From(changed));
                    backend.Count(-1, CounterKeys.Of(stored));
                    backend.Count(+1, CounterKeys.Of(changed));
                }
                return decided;
            },
            cancellationToken,
            done =>
            {
                if (done.Changed)
                {
                    backend.Published.Publish(organization, done.Run.Id, new RunChanged(done.Run));
                }
            }).ConfigureAwait(false);
        return run;
    }

    /// <summary>
    /// Removes every run of <paramref name="mission"/> with its plan, events and agent links, and their counts;
    /// part of the mission's delete command. Returns the ids of the removed runs.
    /// </summary>
    internal static IReadOnlyList<string> DeleteRunsOf(LiteDbBackend backend, LiteDatabase db, MissionRecord mission)
    {
        var runs = db.GetCollection<RunRecord>(LiteDbSchema.Runs);
        var owned = AllOf(runs, nameof(RunRecord.MissionKey), Keys.Prefix(mission.Organization, mission.Id));
        foreach (var run in owned)
        {
            LiteDbPlanStore.DeleteStepsOf(backend, db, run);
            LiteDbEventStore.DeleteEventsOf(backend, db, run);
            LiteDbAgentLinkStore.DeleteLinksOf(db, run);
            backend.Count(-1, CounterKeys.Of(run.ToDocument()));
            runs.Delete(run.Id);
        }
        return owned.Select(r => r.Id).ToList();
    }
}
