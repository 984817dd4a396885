using LiteDB;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Runs: the <c>runs</c> collection with four list indexes — (organization), (organization, mission),
/// (organization, status), (organization, mission, status), each ending in the run's UUIDv7 id — and a counter for
/// each, so every list and filter is a range walk with a total that costs one read.
/// </summary>
internal sealed class LiteDbRunReads(LiteDbConnection connection) : IRunReads
{
    /// <summary>The fields statistics map (one text: LiteDB compiles it once).</summary>
    private const string StatsFields =
        "{ s: $." + nameof(RunRecord.Status) + ", a: $." + nameof(RunRecord.StartedAt) + ", f: $." + nameof(RunRecord.FinishedAt) + " }";

    public Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken) =>
        connection.ReadAsync(c => RequireRun(c, organization, missionId, runId).ToDocument());

    public Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
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

    /// <summary>
    /// The mission's newest runs along its list index (organization, mission, id), newest first, as the runs list walks it,
    /// stopping after <paramref name="window"/>; only status and times are mapped. The total is the mission's run counter.
    /// </summary>
    public Task<RunStatsWindow> ReadStatsWindowAsync(string organization, Guid missionId, int window, CancellationToken cancellationToken) =>
        connection.ReadAsync(c =>
        {
            RequireMission(c, organization, missionId);
            var runs = c.Runs.Query()
                .Where(StartingWith(nameof(RunRecord.MissionKey), Keys.Prefix(organization, missionId.ToString())))
                .OrderByDescending(nameof(RunRecord.MissionKey))
                .Select(BsonExpression.Create(StatsFields))
                .Limit(window)
                .ToDocuments()
                .Select(d => new RunSample(d["s"].AsString, Times.Utc(d["a"].AsDateTime), d["f"].IsNull ? null : Times.Utc(d["f"].AsDateTime)))
                .ToList();
            // The counter after the runs (two reads, no snapshot around them): a batch commits runs and counters together, so
            // the total read second counts at least the runs read first.
            return new RunStatsWindow(c.Count(CounterKeys.RunsByMission(organization, missionId.ToString())), runs);
        });
}
