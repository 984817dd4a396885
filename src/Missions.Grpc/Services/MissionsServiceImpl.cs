using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;

namespace Missions.Grpc.Services;

/// <summary>
/// The missions service, for gRPC and (through transcoding) REST. Thin: requests arrive validated
/// (ValidationInterceptor), errors are mapped by ErrorInterceptor; a handler stores and maps.
/// </summary>
public sealed class MissionsServiceImpl(IMissionStore store, CallerContext caller) : MissionsService.MissionsServiceBase
{
    public override async Task<MissionResponse> CreateMission(CreateMissionRequest request, ServerCallContext context)
    {
        var created = await store.CreateMissionAsync(request.ToNewMission(caller.Organization), context.CancellationToken);
        return new MissionResponse { Data = created.ToProto() };
    }
}
