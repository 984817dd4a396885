namespace Missions.Grpc.Storage.Core;

/// <summary>
/// What adding steps to a plan means, checked as a whole against the run's stored steps: references first (422, all
/// reported: a parent naming no step of the run or the request, a step its own parent, a cycle within the request),
/// then the plan already existing, duplicates (in the request or the run) and capacity (409). All or nothing.
/// </summary>
internal static class PlanRules
{
    /// <summary>Most steps one run's plan holds (the plan is returned whole, unpaginated).</summary>
    public const int MaxStepsPerRun = 10_000;

    /// <param name="existing">How many steps the run has.</param>
    /// <param name="stored">Whether the run has a step with this id.</param>
    /// <returns>The new steps (pending), in request order.</returns>
    public static Outcome<IReadOnlyList<StepDocument>> Add(
        string runId, IReadOnlyList<NewStep> steps, bool initialPlan, int existing, Func<string, bool> stored)
    {
        var inRequest = steps.Select(s => s.StepId).ToHashSet(StringComparer.Ordinal);
        var references = new List<InvalidReference>();
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].ParentStepId is not { } parent)
            {
                continue;
            }
            var problem = parent == steps[i].StepId ? $"step '{parent}' cannot be its own parent"
                : !inRequest.Contains(parent) && !stored(parent) ? $"parent_step_id '{parent}' names no step of this run or of this request"
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
        if (steps.GroupBy(s => s.StepId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(Duplicate(repeated.Key, "appears more than once in the request"));
        }
        if (steps.FirstOrDefault(s => stored(s.StepId)) is { } duplicate)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(Duplicate(duplicate.StepId, "already exists in this run"));
        }
        if (existing + steps.Count > MaxStepsPerRun)
        {
            return Outcome<IReadOnlyList<StepDocument>>.Fail(new ConflictException(
                $"A run's plan holds at most {MaxStepsPerRun} steps; this run has {existing} and the request adds {steps.Count}", "PLAN_FULL"));
        }
        return steps.Select(step => new StepDocument
        {
            StepId = step.StepId,
            RunId = runId,
            Sequence = step.Sequence,
            Description = step.Description,
            Status = StepStatus.Pending,
            ParentStepId = step.ParentStepId,
            MetadataJson = step.MetadataJson,
        }).ToList();
    }

    /// <summary>
    /// A plan step conflicting with one stored: raised by a backend whose unique constraint caught a duplicate that a
    /// concurrent writer committed after the check.
    /// </summary>
    public static ConflictException Duplicate(string stepId, string where = "already exists in this run") => new(
        $"Step '{stepId}' {where}", "DUPLICATE_STEP", new Dictionary<string, string> { ["step_id"] = stepId }, alreadyExists: true);

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
}
