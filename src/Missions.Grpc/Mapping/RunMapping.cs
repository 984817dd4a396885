using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Status = Missions.Grpc.V1.MissionRun.Types.Status;

namespace Missions.Grpc.Mapping;

/// <summary>Explicit mapping between run messages and storage documents.</summary>
internal static class RunMapping
{
    public static NewRun ToNewRun(this CreateRunRequest request) =>
        new(FreeForm.ToJson(request.Input), FreeForm.ToJson(request.Metadata));

    /// <summary>A status filter of a list request: the spec's string, or null for every status.</summary>
    public static RunFilter ToFilter(bool hasStatus, Status status, Guid? missionId = null) =>
        new(missionId, hasStatus ? ProtoEnum<Status>.Name(status) : null);

    /// <summary>Present fields of the update; the status, when present, is a transition for the state machine.</summary>
    public static RunChange ToChange(this UpdateRunRequest request) => new(
        request.HasStatus ? RunTransition.To(ProtoEnum<Status>.Name(request.Status)) : null,
        request.HasResultSummary ? request.ResultSummary : null,
        FreeForm.ToJson(request.ResultPayload),
        request.HasError ? request.Error : null,
        FreeForm.ToJson(request.Metadata));

    public static MissionRun ToProto(this RunDocument document)
    {
        var run = new MissionRun
        {
            RunId = document.Id,
            MissionId = document.MissionId,
            Status = ProtoEnum<Status>.Parse(document.Status),
            StartedAt = Timestamp.FromDateTime(document.StartedAt),
            UpdatedAt = Timestamp.FromDateTime(document.UpdatedAt),
            FinishedAt = document.FinishedAt is { } finished ? Timestamp.FromDateTime(finished) : null,
            Input = FreeForm.FromJson(document.InputJson),
            Metadata = FreeForm.FromJson(document.MetadataJson),
            ResultPayload = FreeForm.FromJson(document.ResultPayloadJson),
        };
        if (document.ResultSummary is not null)
        {
            run.ResultSummary = document.ResultSummary;
        }
        if (document.Error is not null)
        {
            run.Error = document.Error;
        }
        return run;
    }

    public static RunResponse ToResponse(this RunDocument document) => new() { Data = document.ToProto() };
}
