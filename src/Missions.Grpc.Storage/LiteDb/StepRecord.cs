using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

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

    /// <summary>A new step's record; <paramref name="created"/> orders steps of equal sequence.</summary>
    public static StepRecord From(StepDocument d, string organization, string missionId, string created) => new()
    {
        Id = IdOf(organization, d.RunId, d.StepId),
        Organization = organization,
        MissionId = missionId,
        RunId = d.RunId,
        StepId = d.StepId,
        Sequence = d.Sequence,
        Description = d.Description,
        Status = d.Status,
        ParentStepId = d.ParentStepId,
        MetadataJson = d.MetadataJson,
        StartedAt = d.StartedAt,
        CompletedAt = d.CompletedAt,
        Created = created,
        PlanKey = Keys.Of(organization, d.RunId, SortableSequence(d.Sequence), created),
    };

    /// <summary>A sequence (any int) as a fixed-width string that sorts like the number.</summary>
    private static string SortableSequence(int sequence) =>
        ((long)sequence - int.MinValue).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

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
