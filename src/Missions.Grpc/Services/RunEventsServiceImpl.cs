using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.Idempotency;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Services;

/// <summary>A run's events and the organization's event feed, for gRPC and REST. Thin: idempotency is the store's.</summary>
internal sealed class RunEventsServiceImpl(IEventStore store, CallerContext caller) : RunEventsService.RunEventsServiceBase
{
    /// <summary>Default page size of both event lists (spec).</summary>
    public const int DefaultPageSize = 50;

    /// <summary>Response header (and gRPC response metadata) marking a replayed idempotent event.</summary>
    public const string ReplayedHeader = Idempotency.IdempotencyInterceptor.ReplayedHeader;

    public override async Task<EventResponse> LogEvent(LogEventRequest request, ServerCallContext context)
    {
        var logged = await store.LogEventAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId),
            request.ToNewEvent(), context.Idempotency(), context.CancellationToken);
        if (logged.Replayed)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { ReplayedHeader, "true" } });
        }
        return new EventResponse { Data = logged.Event.ToProto() };
    }

    public override async Task<ListEventsResponse> ListRunEvents(ListRunEventsRequest request, ServerCallContext context)
    {
        var window = PageWindow.From(request.Page, DefaultPageSize);
        var page = await store.ListRunEventsAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId),
            request.ToFilter(), window.Offset, window.Size, context.CancellationToken);
        return ToResponse(page, window);
    }

    public override async Task<ListEventsResponse> ListRecentEvents(ListRecentEventsRequest request, ServerCallContext context)
    {
        var window = PageWindow.From(request.Page, DefaultPageSize);
        var page = await store.ListRecentEventsAsync(caller.Organization, request.ToFilter(), window.Offset, window.Size, context.CancellationToken);
        return ToResponse(page, window);
    }

    public override async Task<EventResponse> GetEvent(GetEventRequest request, ServerCallContext context) => new()
    {
        Data = (await store.GetEventAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId),
            request.EventId, context.CancellationToken)).ToProto(),
    };

    private static ListEventsResponse ToResponse(Page<EventDocument> page, PageWindow window) => new()
    {
        Data = { page.Items.Select(e => e.ToProto()) },
        Meta = window.Meta(page.TotalResults),
    };
}
