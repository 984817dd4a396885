using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.Idempotency;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Services;

/// <summary>
/// The missions service, for gRPC and (through transcoding) REST. Thin: requests arrive validated
/// (ValidationInterceptor), errors are mapped by ErrorInterceptor; a handler stores and maps.
/// </summary>
internal sealed class MissionsServiceImpl(IMissionStore store, IAttachmentStore attachments, CallerContext caller) : MissionsService.MissionsServiceBase
{
    /// <summary>Default page size of the mission list (spec).</summary>
    public const int DefaultPageSize = 20;

    public override async Task<MissionResponse> CreateMission(CreateMissionRequest request, ServerCallContext context)
    {
        var created = await store.CreateMissionAsync(request.ToNewMission(caller.Organization), context.Idempotency(), context.CancellationToken);
        return new MissionResponse { Data = created.ToProto() };
    }

    public override async Task<ListMissionsResponse> ListMissions(ListMissionsRequest request, ServerCallContext context)
    {
        var window = PageWindow.From(request.Page, DefaultPageSize);
        var page = await store.ListMissionsAsync(caller.Organization, window.Offset, window.Size, context.CancellationToken);
        return new ListMissionsResponse
        {
            Data = { page.Items.Select(m => m.ToProto()) },
            Meta = window.Meta(page.TotalResults),
        };
    }

    public override async Task<GetMissionResponse> GetMission(GetMissionRequest request, ServerCallContext context)
    {
        var found = await attachments.GetMissionWithAttachmentsAsync(caller.Organization, UuidText.Parse(request.MissionId), context.CancellationToken);
        return new GetMissionResponse { Data = found.Mission.ToDetailsProto(found.Attachments) };
    }

    public override async Task<MissionResponse> UpdateMission(UpdateMissionRequest request, ServerCallContext context)
    {
        var updated = await store.UpdateMissionAsync(caller.Organization, UuidText.Parse(request.MissionId), request.ToChanges(), context.Idempotency(), context.CancellationToken);
        return new MissionResponse { Data = updated.ToProto() };
    }

    public override async Task<Empty> DeleteMission(DeleteMissionRequest request, ServerCallContext context)
    {
        await store.DeleteMissionAsync(caller.Organization, UuidText.Parse(request.MissionId), context.Idempotency(), context.CancellationToken);
        return new Empty();
    }

    public override async Task<MissionResponse> CloneMission(CloneMissionRequest request, ServerCallContext context)
    {
        // The spec types this path id as a plain string: anything that names no mission is 404.
        var id = UuidText.TryParse(request.MissionId, out var parsed) ? parsed : throw NotFound.Mission();
        return new MissionResponse { Data = (await store.CloneMissionAsync(caller.Organization, id, context.Idempotency(), context.CancellationToken)).ToProto() };
    }
}
