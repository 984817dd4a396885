using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.Idempotency;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Services;

/// <summary>
/// The runs service, for gRPC and (through transcoding) REST. Thin: the lifecycle lives in
/// <see cref="RunLifecycle"/> and is applied atomically by the store; not-found and conflicts are
/// thrown by the store and mapped by ErrorInterceptor.
/// </summary>
internal sealed class MissionRunsServiceImpl(IRunStore store, CallerContext caller) : MissionRunsService.MissionRunsServiceBase
{
    /// <summary>Default page size of both run lists (spec).</summary>
    public const int DefaultPageSize = 20;

    /// <summary>How many of the mission's newest runs its statistics cover when the request names no window.</summary>
    public const int DefaultStatsWindow = 200;

    public override async Task<RunResponse> CreateRun(CreateRunRequest request, ServerCallContext context) =>
        (await store.CreateRunAsync(caller.Organization, UuidText.Parse(request.MissionId), request.ToNewRun(), context.Idempotency(), context.CancellationToken))
        .ToResponse();

    public override Task<ListRunsResponse> ListRuns(ListRunsRequest request, ServerCallContext context) =>
        ListAsync(RunMapping.ToFilter(request.HasStatus, request.Status, UuidText.Parse(request.MissionId)), request.Page, context);

    public override Task<ListRunsResponse> ListRecentRuns(ListRecentRunsRequest request, ServerCallContext context) =>
        ListAsync(RunMapping.ToFilter(request.HasStatus, request.Status), request.Page, context);

    public override async Task<RunResponse> GetRun(GetRunRequest request, ServerCallContext context) =>
        (await store.GetRunAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId), context.CancellationToken))
        .ToResponse();

    public override Task<RunResponse> UpdateRun(UpdateRunRequest request, ServerCallContext context) =>
        ChangeAsync(request.MissionId, request.RunId, request.ToChange(), context);

    public override Task<RunResponse> CancelRun(CancelRunRequest request, ServerCallContext context) =>
        ChangeAsync(request.MissionId, request.RunId, RunChange.Cancel, context);

    public override Task<RunResponse> PauseRun(PauseRunRequest request, ServerCallContext context) =>
        ChangeAsync(request.MissionId, request.RunId, RunChange.Pause, context);

    public override Task<RunResponse> ResumeRun(ResumeRunRequest request, ServerCallContext context) =>
        ChangeAsync(request.MissionId, request.RunId, RunChange.Resume, context);

    public override async Task<MissionStatsResponse> GetMissionStats(GetMissionStatsRequest request, ServerCallContext context) =>
        (await store.GetRunStatsAsync(caller.Organization, UuidText.Parse(request.MissionId),
            request.HasWindow ? request.Window : DefaultStatsWindow, context.CancellationToken))
        .ToResponse();

    private async Task<RunResponse> ChangeAsync(string missionId, string runId, RunChange change, ServerCallContext context) =>
        (await store.ChangeRunAsync(caller.Organization, UuidText.Parse(missionId), UuidText.Parse(runId), change, context.Idempotency(), context.CancellationToken))
        .ToResponse();

    private async Task<ListRunsResponse> ListAsync(RunFilter filter, PageRequest? pageRequest, ServerCallContext context)
    {
        var window = PageWindow.From(pageRequest, DefaultPageSize);
        var page = await store.ListRunsAsync(caller.Organization, filter, window.Offset, window.Size, context.CancellationToken);
        return new ListRunsResponse
        {
            Data = { page.Items.Select(r => r.ToProto()) },
            Meta = window.Meta(page.TotalResults),
        };
    }
}
