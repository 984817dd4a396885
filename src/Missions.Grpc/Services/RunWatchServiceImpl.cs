using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;
using Missions.Grpc.Watch;

namespace Missions.Grpc.Services;

/// <summary>Live watch of a run, for gRPC and (as a streamed JSON array) REST. Thin: <see cref="RunWatcher"/> does the work.</summary>
internal sealed class RunWatchServiceImpl(RunWatcher watcher, CallerContext caller, ApiKeyAuthenticator keys) : RunWatchService.RunWatchServiceBase
{
    public override Task WatchRun(WatchRunRequest request, IServerStreamWriter<RunUpdate> responseStream, ServerCallContext context) =>
        watcher.WatchAsync(
            caller.Organization,
            caller.Identity.KeyId,
            UuidText.Parse(request.MissionId),
            UuidText.Parse(request.RunId),
            request.HasAfterEventId ? request.AfterEventId : null,
            update => responseStream.WriteAsync(update, context.CancellationToken),
            keys.Revocation(caller.Identity.KeyId),
            context.CancellationToken);
}
