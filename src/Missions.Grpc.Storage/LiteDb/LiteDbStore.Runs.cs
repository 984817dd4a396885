using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Runs: the <c>runs</c> collection with four list indexes — (organization), (organization, mission),
/// (organization, status), (organization, mission, status), each ending in the run's UUIDv7 id — and a
/// counter for each, so every list and filter is a range walk with a total that costs one read.
/// Transitions are decided by <see cref="RunTransition"/> inside the writer's command that applies them.
/// </summary>
public sealed partial class LiteDbStore
{
    public async Task<RunDocument> CreateRunAsync(string organization, Guid missionId, NewRun run, CancellationToken cancellationToken = default)
    {
        var record = await _writer.ExecuteAsync(db =>
        {
            // Checked in the same command as the insert: a concurrent delete of the mission cannot leave an orphan.
            if (FindMission(db.GetCollection<MissionRecord>(LiteDbSchema.Missions), organization, missionId) is null)
            {
                return null;
            }
            var now = Now();
            var record = new RunRecord
            {
                Id = _ids.NewId().ToString(),
                Organization = organization,
                MissionId = missionId.ToString(),
                Status = RunStatus.Pending,
                StartedAt = now,
                UpdatedAt = now,
                InputJson = run.InputJson,
                MetadataJson = run.MetadataJson,
            };
            record.SetKeys();
            db.GetCollection<RunRecord>(LiteDbSchema.Runs).Insert(record);
            AddToCounters(+1, record.Counters());
            return record;
        }, cancellationToken).ConfigureAwait(false);
        return (record ?? throw new ResourceNotFoundException("Mission")).ToDocument();
    }

    public Task<RunDocument> GetRunAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        Read(c => RequireRun(c, organization, missionId, runId).ToDocument());

    public Task<Page<RunDocument>> ListRunsAsync(string organization, RunFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        Read(c => ListRuns(c, organization, filter, offset, limit));

    private static Page<RunDocument> ListRuns(LiteDbCollections c, string organization, RunFilter filter, int offset, int limit)
    {
        if (filter.MissionId is { } missionId && FindMission(c.Missions, organization, missionId) is null)
        {
            throw new ResourceNotFoundException("Mission");
        }
        var mission = filter.MissionId?.ToString();
        var (keyField, prefix, counter) = (mission, filter.Status) switch
        {
            (null, null) => (nameof(RunRecord.OrgKey), Keys.Prefix(organization), RunRecord.CounterOf(organization)),
            (null, { } status) => (nameof(RunRecord.OrgStatusKey), Keys.Prefix(organization, status), RunRecord.StatusCounterOf(organization, status)),
            ({ } id, null) => (nameof(RunRecord.MissionKey), Keys.Prefix(organization, id), RunRecord.MissionCounterOf(organization, id)),
            ({ } id, { } status) => (nameof(RunRecord.MissionStatusKey), Keys.Prefix(organization, id, status), RunRecord.MissionStatusCounterOf(organization, id, status)),
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
    }

    public async Task<RunDocument> ChangeRunAsync(string organization, Guid missionId, Guid runId, RunChange change, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(
                db => ApplyRunChange(db, organization, missionId, runId, change),
                done =>
                {
                    if (done.Value is { Changed: true, Record: var record })
                    {
                        _feed.Publish(organization, record.Id, new RunChanged(record.ToDocument()));
                    }
                },
                cancellationToken)
            .ConfigureAwait(false);
        return outcome.Unwrap().Record.ToDocument();
    }

    private Outcome<(RunRecord Record, bool Changed)> ApplyRunChange(LiteDatabase db, string organization, Guid missionId, Guid runId, RunChange change)
    {
        var resolved = ResolveRun(db, organization, missionId, runId);
        if (resolved.Error is { } missing)
        {
            return Outcome<(RunRecord, bool)>.Fail(missing);
        }
        var stored = resolved.Value!;
        var changed = false;
        var previousCounters = stored.Counters();
        var entersTerminal = false;
        if (change.Transition is { } transition)
        {
            switch (transition.Decide(stored.Status))
            {
                case TransitionDecision.Refuse:
                    return Outcome<(RunRecord, bool)>.Fail(new ConflictException(
                        transition.Refusal(stored.Status),
                        "RUN_STATUS_CONFLICT",
                        new Dictionary<string, string> { ["current_status"] = stored.Status, ["requested_status"] = transition.Target }));
                case TransitionDecision.Apply:
                    stored.Status = transition.Target;
                    entersTerminal = RunStatus.IsTerminal(transition.Target);
                    changed = true;
                    break;
            }
        }
        changed |= Replace(stored.ResultSummary, change.ResultSummary, v => stored.ResultSummary = v);
        changed |= Replace(stored.ResultPayloadJson, change.ResultPayloadJson, v => stored.ResultPayloadJson = v);
        changed |= Replace(stored.Error, change.Error, v => stored.Error = v);
        changed |= Replace(stored.MetadataJson, change.MetadataJson, v => stored.MetadataJson = v);
        if (!changed)
        {
            return (stored, false); // setting what is stored again is a no-op: updated_at stays
        }
        stored.UpdatedAt = Later(stored.UpdatedAt);
        if (entersTerminal)
        {
            stored.FinishedAt = stored.UpdatedAt;
        }
        stored.SetKeys();
        db.GetCollection<RunRecord>(LiteDbSchema.Runs).Update(stored);
        var currentCounters = stored.Counters();
        if (!previousCounters.SequenceEqual(currentCounters))
        {
            AddToCounters(-1, previousCounters.Except(currentCounters));
            AddToCounters(+1, currentCounters.Except(previousCounters));
        }
        return (stored, true);

        static bool Replace(string? stored, string? requested, Action<string> set)
        {
            if (requested is null || requested == stored)
            {
                return false;
            }
            set(requested);
            return true;
        }
    }

    /// <summary>
    /// Removes every run of <paramref name="mission"/> with its plan, events and agent links, and their counts;
    /// part of the mission's delete command. Returns the ids of the removed runs.
    /// </summary>
    private List<string> DeleteRunsOf(LiteDatabase db, MissionRecord mission)
    {
        var runs = db.GetCollection<RunRecord>(LiteDbSchema.Runs);
        var owned = AllOf(runs, nameof(RunRecord.MissionKey), Keys.Prefix(mission.Organization, mission.Id));
        var counters = new List<string>();
        foreach (var run in owned)
        {
            counters.AddRange(DeleteStepsOf(db, run));
            counters.AddRange(DeleteEventsOf(db, run));
            DeleteLinksOf(db, run);
            counters.AddRange(run.Counters());
            runs.Delete(run.Id);
        }
        foreach (var counter in counters.GroupBy(k => k, StringComparer.Ordinal))
        {
            AddToCounters(-counter.Count(), counter.Key);
        }
        return owned.Select(r => r.Id).ToList();
    }

    /// <summary>
    /// The run addressed by mission and run id, or the not-found error to raise: "Run" when the mission
    /// exists (the run is unknown or belongs to another mission), "Mission" when it does not.
    /// </summary>
    private static Outcome<RunRecord> ResolveRun(
        ILiteCollection<RunRecord> runs, ILiteCollection<MissionRecord> missions, string organization, Guid missionId, Guid runId) =>
        FindRun(runs, organization, missionId, runId) is { } run
            ? run
            : Outcome<RunRecord>.Fail(new ResourceNotFoundException(MissingRunOrMission(missions, organization, missionId)));

    private static Outcome<RunRecord> ResolveRun(LiteDatabase db, string organization, Guid missionId, Guid runId) =>
        ResolveRun(db.GetCollection<RunRecord>(LiteDbSchema.Runs), db.GetCollection<MissionRecord>(LiteDbSchema.Missions), organization, missionId, runId);

    /// <summary>The run for a read (outside the writer); throws not-found.</summary>
    private static RunRecord RequireRun(LiteDbCollections c, string organization, Guid missionId, Guid runId) =>
        ResolveRun(c.Runs, c.Missions, organization, missionId, runId).Unwrap();

    private static RunRecord? FindRun(ILiteCollection<RunRecord> runs, string organization, Guid missionId, Guid runId)
    {
        var record = runs.FindById(runId.ToString());
        return record is not null && record.Organization == organization && record.MissionId == missionId.ToString() ? record : null;
    }

    /// <summary>What to call missing when a run is not found: the run, or its mission when that is unknown too.</summary>
    private static string MissingRunOrMission(ILiteCollection<MissionRecord> missions, string organization, Guid missionId) =>
        FindMission(missions, organization, missionId) is null ? "Mission" : "Run";
}

/// <summary>How a run is laid out in LiteDB (mutable for BsonMapper).</summary>
internal sealed class RunRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";
    public string Status { get; set; } = "";

    /// <summary>Organization, id: all runs of the organization in creation order.</summary>
    public string OrgKey { get; set; } = "";

    /// <summary>Organization, mission, id: the mission's runs.</summary>
    public string MissionKey { get; set; } = "";

    /// <summary>Organization, status, id: the organization's runs in one status.</summary>
    public string OrgStatusKey { get; set; } = "";

    /// <summary>Organization, mission, status, id: the mission's runs in one status.</summary>
    public string MissionStatusKey { get; set; } = "";

    public DateTime StartedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public string? InputJson { get; set; }
    public string? MetadataJson { get; set; }
    public string? ResultSummary { get; set; }
    public string? ResultPayloadJson { get; set; }
    public string? Error { get; set; }

    public static string CounterOf(string organization) => Keys.Of("runs", organization);

    public static string StatusCounterOf(string organization, string status) => Keys.Of("runs-by-status", organization, status);

    public static string MissionCounterOf(string organization, string missionId) => Keys.Of("runs-by-mission", organization, missionId);

    public static string MissionStatusCounterOf(string organization, string missionId, string status) =>
        Keys.Of("runs-by-mission-status", organization, missionId, status);

    /// <summary>The counters this run is counted in, one per list index.</summary>
    public string[] Counters() =>
    [
        CounterOf(Organization),
        StatusCounterOf(Organization, Status),
        MissionCounterOf(Organization, MissionId),
        MissionStatusCounterOf(Organization, MissionId, Status),
    ];

    /// <summary>Derives the index keys from the fields (after creation and after a status change).</summary>
    public void SetKeys()
    {
        OrgKey = Keys.Of(Organization, Id);
        MissionKey = Keys.Of(Organization, MissionId, Id);
        OrgStatusKey = Keys.Of(Organization, Status, Id);
        MissionStatusKey = Keys.Of(Organization, MissionId, Status, Id);
    }

    public RunDocument ToDocument() => new()
    {
        Id = Id,
        Organization = Organization,
        MissionId = MissionId,
        Status = Status,
        StartedAt = Times.Utc(StartedAt),
        UpdatedAt = Times.Utc(UpdatedAt),
        FinishedAt = Times.Utc(FinishedAt),
        InputJson = InputJson,
        MetadataJson = MetadataJson,
        ResultSummary = ResultSummary,
        ResultPayloadJson = ResultPayloadJson,
        Error = Error,
    };
}
