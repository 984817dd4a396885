using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.Idempotency;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Services;

/// <summary>The Telnyx agents linked to a run, for gRPC and REST. Thin: duplicates and absences are the store's.</summary>
internal sealed class RunTelnyxAgentsServiceImpl(IAgentLinkStore store, CallerContext caller) : RunTelnyxAgentsService.RunTelnyxAgentsServiceBase
{
    public override async Task<ListTelnyxAgentsResponse> ListTelnyxAgents(ListTelnyxAgentsRequest request, ServerCallContext context) => new()
    {
        Data =
        {
            (await store.ListLinksAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId), context.CancellationToken))
            .Select(l => l.ToProto()),
        },
    };

    public override async Task<TelnyxAgentResponse> LinkTelnyxAgent(LinkTelnyxAgentRequest request, ServerCallContext context) => new()
    {
        Data = (await store.LinkAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId),
            request.TelnyxAgentId, context.Idempotency(), context.CancellationToken)).ToProto(),
    };

    public override async Task<Empty> UnlinkTelnyxAgent(UnlinkTelnyxAgentRequest request, ServerCallContext context)
    {
        await store.UnlinkAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId),
            request.TelnyxAgentId, context.Idempotency(), context.CancellationToken);
        return new Empty();
    }
}
