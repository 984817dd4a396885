using System.Globalization;
using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// Plans: the <c>steps</c> collection. A step's id is (organization, run, step id), so duplicates are one
/// lookup; <c>PlanKey</c> (organization, run, sequence, creation) orders the plan.
/// </summary>
public sealed partial class LiteDbStore
{
    /// <summary>Most steps one run's plan holds (the plan is returned whole, unpaginated).</summary>
    public const int MaxStepsPerRun = 10_000;

    public async Task<IReadOnlyList<StepDocument>> AddStepsAsync(
        string organization, Guid missionId, Guid runId, IReadOnlyList<NewStep> steps, bool initialPlan, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(
            db => InsertSteps(db, organization, missionId, runId, steps, initialPlan),
            done =>
            {
                foreach (var step in done.Value ?? [])
                {
                    _feed.Publish(organization, step.RunId, new StepChanged(step));
                }
            },
            cancellationToken).ConfigureAwait(false);
        return outcome.Unwrap();
    }

    public Task<IReadOnlyList<StepDocument>> GetPlanAsync(string organization, Guid missionId, Guid runId, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<StepDocument>>(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            return AllOf(c.Steps, nameof(StepRecord.PlanKey), Keys.Prefix(organization, run.Id))
                .Where(s => s.Organization == organization && s.RunId == run.Id)
                .Select(s => s.ToDocument())
                .ToList();
        });

    public Task<StepDocument> GetStepAsync(string organization, Guid missionId, Guid runId, string stepId, CancellationToken cancellationToken = default) =>
        Read(c =>
        {
            var run = RequireRun(c, organization, missionId, runId);
            var step = c.Steps.FindById(StepRecord.IdOf(organization, run.Id, stepId)) ?? throw new ResourceNotFoundException("Step");
            return step.ToDocument();
        });

    public async Task<StepDocument> ChangeStepAsync(
        string organization, Guid missionId, Guid runId, string stepId, StepChange change, CancellationToken cancellationToken = default)
    {
        var outcome = await _writer.ExecuteAsync(
            db => ApplyStepChange(db, organization, missionId, runId, stepId, change),
            done =>
            {
                if (done.Value is { Changed: true, Step: var step })
                {
                    _feed.Publish(organization, step.RunId, new StepChanged(step));
                }
            },
            cancellationToken).ConfigureAwait(false);
        return outcome.Unwrap().Step;
    }

    private Outcome<IReadOnlyList<StepDocument>> InsertSteps(
        LiteDatabase db, string organization, Guid missionId, Guid runId, IReadOnlyList<NewStep> steps, bool initialPlan)
    {
        var resolved = ResolveRun(db, organization, missionId, runId);
        if (resolved.Error is { } missing)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(missing);
        }
        var run = resolved.Value!;
        var collection = db.GetCollection<StepRecord>(LiteDbSchema.Steps);
        var counter = StepRecord.CounterOf(organization, run.Id);
        var existing = _writer.Counters.Read(db, counter);
        bool Stored(string stepId) => collection.FindById(StepRecord.IdOf(organization, run.Id, stepId)) is not null;

        // The request as a whole: references first (422, all reported), then duplicates and capacity (409).
        var inRequest = steps.Select(s => s.StepId).ToHashSet(StringComparer.Ordinal);
        var references = new List<InvalidReference>();
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].ParentStepId is not { } parent)
            {
                continue;
            }
            var problem = parent == steps[i].StepId ? $"step '{parent}' cannot be its own parent"
                : !inRequest.Contains(parent) && !Stored(parent) ? $"parent_step_id '{parent}' names no step of this run or of this request"
                : FormsCycle(steps, i) ? $"parent_step_id '{parent}' makes the steps of this request their own ancestors"
                : null;
            if (problem is not null)
            {
                references.Add(new InvalidReference(["steps", i, "parent_step_id"], problem));
            }
        }
        if (references.Count > 0)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(new InvalidReferenceException(references));
        }
        if (initialPlan && existing > 0)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(new ConflictException(
                $"Run already has a plan of {existing} steps; add steps with POST .../plan/steps", "PLAN_EXISTS"));
        }
        var repeated = steps.GroupBy(s => s.StepId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(new ConflictException(
                $"Step '{repeated.Key}' appears more than once in the request", "DUPLICATE_STEP",
                new Dictionary<string, string> { ["step_id"] = repeated.Key }, alreadyExists: true));
        }
        if (steps.FirstOrDefault(s => Stored(s.StepId)) is { } duplicate)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(new ConflictException(
                $"Step '{duplicate.StepId}' already exists in this run", "DUPLICATE_STEP",
                new Dictionary<string, string> { ["step_id"] = duplicate.StepId }, alreadyExists: true));
        }
        if (existing + steps.Count > MaxStepsPerRun)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(new ConflictException(
                $"A run's plan holds at most {MaxStepsPerRun} steps; this run has {existing} and the request adds {steps.Count}", "PLAN_FULL"));
        }

        var created = new List<StepDocument>(steps.Count);
        foreach (var step in steps)
        {
            var record = new StepRecord
            {
                Id = StepRecord.IdOf(organization, run.Id, step.StepId),
                Organization = organization,
                MissionId = run.MissionId,
                RunId = run.Id,
                StepId = step.StepId,
                Sequence = step.Sequence,
                Description = step.Description,
                Status = StepStatus.Pending,
                ParentStepId = step.ParentStepId,
                MetadataJson = step.MetadataJson,
                Created = _ids.NewId().ToString(),
            };
            record.PlanKey = Keys.Of(organization, run.Id, SortableSequence(record.Sequence), record.Created);
            collection.Insert(record);
            created.Add(record.ToDocument());
        }
        AddToCounters(steps.Count, counter);
        return created;
    }

    /// <summary>Whether following parents from step <paramref name="start"/> within the request comes back to it.</summary>
    private static bool FormsCycle(IReadOnlyList<NewStep> steps, int start)
    {
        var byId = steps.GroupBy(s => s.StepId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = steps[start];
        while (current.ParentStepId is { } parent && byId.TryGetValue(parent, out var next) && seen.Add(parent))
        {
            if (parent == steps[start].StepId)
            {
                return true;
            }
            current = next;
        }
        return false;
    }

    private Outcome<(StepDocument Step, bool Changed)> ApplyStepChange(
        LiteDatabase db, string organization, Guid missionId, Guid runId, string stepId, StepChange change)
    {
        var resolved = ResolveRun(db, organization, missionId, runId);
        if (resolved.Error is { } missing)
        {
            return Outcome<(StepDocument, bool)>.Fail(missing);
        }
        var steps = db.GetCollection<StepRecord>(LiteDbSchema.Steps);
        var stored = steps.FindById(StepRecord.IdOf(organization, resolved.Value!.Id, stepId));
        if (stored is null)
        {
            return Outcome<(StepDocument, bool)>.Fail(new ResourceNotFoundException("Step"));
        }
        var changed = false;
        if (change.Status is { } status && status != stored.Status)
        {
            var now = Now();
            if (status == StepStatus.InProgress)
            {
                stored.StartedAt ??= now; // once: the first time work began
            }
            // Entering a done status stamps completed_at; reopening a step clears it.
            stored.CompletedAt = StepStatus.IsDone(status) ? now : null;
            stored.Status = status;
            changed = true;
        }
        if (change.MetadataJson is { } metadata && metadata != stored.MetadataJson)
        {
            stored.MetadataJson = metadata;
            changed = true;
        }
        if (changed)
        {
            steps.Update(stored);
        }
        return (stored.ToDocument(), changed);
    }

    /// <summary>Removes the run's steps; returns the counters to decrease.</summary>
    private static IEnumerable<string> DeleteStepsOf(LiteDatabase db, RunRecord run)
    {
        var steps = db.GetCollection<StepRecord>(LiteDbSchema.Steps);
        var count = steps.DeleteMany(StartingWith(nameof(StepRecord.PlanKey), Keys.Prefix(run.Organization, run.Id)));
        return Enumerable.Repeat(StepRecord.CounterOf(run.Organization, run.Id), count);
    }

    /// <summary>A sequence (any int) as a fixed-width string that sorts like the number.</summary>
    private static string SortableSequence(int sequence) =>
        ((long)sequence - int.MinValue).ToString("D10", CultureInfo.InvariantCulture);
}

/// <summary>How a plan step is laid out in LiteDB (mutable for BsonMapper).</summary>
internal sealed class StepRecord
{
    /// <summary>Organization, run, step id: unique per run by construction.</summary>
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string MissionId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string StepId { get; set; } = "";
    public int Sequence { get; set; }
    public string Description { get; set; } = "";
    public string Status { get; set; } = "";
    public string? ParentStepId { get; set; }
    public string? MetadataJson { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// <summary>A UUIDv7 taken at creation: the tie-break of equal sequences.</summary>
    public string Created { get; set; } = "";

    /// <summary>Organization, run, sortable sequence, creation: the plan's order.</summary>
    public string PlanKey { get; set; } = "";

    public static string IdOf(string organization, string runId, string stepId) => Keys.Of(organization, runId, Keys.Part(stepId));

    public static string CounterOf(string organization, string runId) => Keys.Of("steps", organization, runId);

    public StepDocument ToDocument() => new()
    {
        StepId = StepId,
        RunId = RunId,
        Sequence = Sequence,
        Description = Description,
        Status = Status,
        ParentStepId = ParentStepId,
        MetadataJson = MetadataJson,
        StartedAt = Times.Utc(StartedAt),
        CompletedAt = Times.Utc(CompletedAt),
    };
}
