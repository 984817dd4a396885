using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using ExecutionMode = Missions.Grpc.V1.Mission.Types.ExecutionMode;

namespace Missions.Grpc.Mapping;

/// <summary>Explicit mapping between mission messages and storage documents.</summary>
internal static class MissionMapping
{
    public static NewMission ToNewMission(this CreateMissionRequest request, string organization) => new(
        organization,
        request.Name,
        request.HasDescription ? request.Description : null,
        request.HasModel ? request.Model : null,
        request.HasInstructions ? request.Instructions : null,
        ProtoEnum<ExecutionMode>.Name(request.ExecutionMode == ExecutionMode.Unspecified ? ExecutionMode.External : request.ExecutionMode),
        FreeForm.ToJson(request.Metadata));

    /// <summary>Present fields of the update; the mapping of "absent" is null (leave as stored).</summary>
    public static MissionChanges ToChanges(this UpdateMissionRequest request) => new(
        request.HasName ? request.Name : null,
        request.HasDescription ? request.Description : null,
        request.HasModel ? request.Model : null,
        request.HasInstructions ? request.Instructions : null,
        request.HasExecutionMode ? ProtoEnum<ExecutionMode>.Name(request.ExecutionMode) : null,
        FreeForm.ToJson(request.Metadata));

    /// <summary>
    /// The mission with its attachments. MissionDetails repeats Mission's fields 1-9 with the same
    /// numbers and types, so the mission's bytes are a valid MissionDetails.
    /// </summary>
    public static MissionDetails ToDetailsProto(
        this MissionDocument document, IReadOnlyDictionary<AttachmentKind, IReadOnlyList<AttachmentDocument>> attachments)
    {
        var details = MissionDetails.Parser.ParseFrom(document.ToProto().ToByteString());
        details.Tools.AddRange(attachments[AttachmentKind.Tool].Select(a => a.ToItem()));
        details.KnowledgeBases.AddRange(attachments[AttachmentKind.KnowledgeBase].Select(a => a.ToItem()));
        details.McpServers.AddRange(attachments[AttachmentKind.McpServer].Select(a => a.ToItem()));
        return details;
    }

    public static Mission ToProto(this MissionDocument document)
    {
        var mission = new Mission
        {
            MissionId = document.Id,
            Name = document.Name,
            ExecutionMode = ProtoEnum<ExecutionMode>.Parse(document.ExecutionMode),
            Metadata = FreeForm.FromJson(document.MetadataJson),
            CreatedAt = Timestamp.FromDateTime(document.CreatedAt),
            UpdatedAt = Timestamp.FromDateTime(document.UpdatedAt),
        };
        if (document.Description is not null)
        {
            mission.Description = document.Description;
        }
        if (document.Model is not null)
        {
            mission.Model = document.Model;
        }
        if (document.Instructions is not null)
        {
            mission.Instructions = document.Instructions;
        }
        return mission;
    }
}
