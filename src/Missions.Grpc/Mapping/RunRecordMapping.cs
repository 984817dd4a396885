using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using EventType = Missions.Grpc.V1.RunEvent.Types.Type;
using StepStatus = Missions.Grpc.V1.PlanStep.Types.Status;

namespace Missions.Grpc.Mapping;

/// <summary>Explicit mapping between a run's plan steps, events and agent links and their storage documents.</summary>
internal static class RunRecordMapping
{
    // ---- plan ----

    public static IReadOnlyList<NewStep> ToNewSteps(this IEnumerable<CreatePlanStepRequest> steps) =>
        steps.Select(s => new NewStep(
            s.StepId,
            s.Description,
            s.Sequence,
            s.HasParentStepId ? s.ParentStepId : null,
            FreeForm.ToJson(s.Metadata))).ToList();

    public static StepChange ToChange(this UpdateStepRequest request) => new(
        request.HasStatus ? ProtoEnum<StepStatus>.Name(request.Status) : null,
        FreeForm.ToJson(request.Metadata));

    public static PlanStep ToProto(this StepDocument document)
    {
        var step = new PlanStep
        {
            StepId = document.StepId,
            RunId = document.RunId,
            Sequence = document.Sequence,
            Description = document.Description,
            Status = ProtoEnum<StepStatus>.Parse(document.Status),
            Metadata = FreeForm.FromJson(document.MetadataJson),
            StartedAt = Time(document.StartedAt),
            CompletedAt = Time(document.CompletedAt),
        };
        if (document.ParentStepId is not null)
        {
            step.ParentStepId = document.ParentStepId;
        }
        return step;
    }

    public static PlanStepsResponse ToResponse(this IEnumerable<StepDocument> steps) => new() { Data = { steps.Select(ToProto) } };

    // ---- events ----

    public static NewEvent ToNewEvent(this LogEventRequest request) => new(
        ProtoEnum<EventType>.Name(request.Type),
        request.Summary,
        request.HasStepId ? request.StepId : null,
        request.HasAgentId ? request.AgentId : null,
        request.HasIdempotencyKey ? request.IdempotencyKey : null,
        FreeForm.ToJson(request.Payload));

    public static EventFilter ToFilter(this ListRunEventsRequest request) => new(
        request.HasType ? ProtoEnum<EventType>.Name(request.Type) : null,
        request.HasStepId ? request.StepId : null,
        request.HasAgentId ? request.AgentId : null);

    public static string? ToFilter(this ListRecentEventsRequest request) =>
        request.HasType ? ProtoEnum<EventType>.Name(request.Type) : null;

    public static RunEvent ToProto(this EventDocument document)
    {
        var e = new RunEvent
        {
            EventId = document.Id,
            RunId = document.RunId,
            Type = ProtoEnum<EventType>.Parse(document.Type),
            Summary = document.Summary,
            Timestamp = Timestamp.FromDateTime(document.Timestamp),
            Payload = FreeForm.FromJson(document.PayloadJson),
        };
        if (document.StepId is not null)
        {
            e.StepId = document.StepId;
        }
        if (document.AgentId is not null)
        {
            e.AgentId = document.AgentId;
        }
        if (document.IdempotencyKey is not null)
        {
            e.IdempotencyKey = document.IdempotencyKey;
        }
        return e;
    }

    // ---- agent links ----

    public static TelnyxAgentLink ToProto(this AgentLinkDocument document) => new()
    {
        RunId = document.RunId,
        TelnyxAgentId = document.TelnyxAgentId,
        CreatedAt = Timestamp.FromDateTime(document.CreatedAt),
    };

    private static Timestamp? Time(DateTime? value) => value is { } time ? Timestamp.FromDateTime(time) : null;
}
