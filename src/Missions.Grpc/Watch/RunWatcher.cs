using Grpc.Core;
using Missions.Grpc.Auth;
using Microsoft.Extensions.Options;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.Telemetry;
using Missions.Grpc.V1;

namespace Missions.Grpc.Watch;

/// <summary>
/// How a run is watched: subscribe to the run's live feed first, then replay the stored events after the
/// cursor in batches, then send the run as it is, then the live updates — skipping what the replay or the
/// snapshot already covered (an event's <see cref="EventDocument.Sequence"/> and a run's <c>updated_at</c> only grow),
/// so there is no gap and no
/// duplicate. Ends after a terminal run status, when the run is removed, or when the reader falls behind
/// (a final <c>resume</c> update names the cursor to watch again from).
/// </summary>
internal sealed class RunWatcher(
    IRunFeed feed, IEventStore events, IRunStore runs, IOptions<WatchOptions> options, ApiMetrics metrics, WatchSlots slots,
    IHostApplicationLifetime? lifetime = null)
{
    /// <summary>
    /// Watches the run for the caller's <paramref name="keyId"/>, in one of its slots (<see cref="WatchSlots"/>). Ends with
    /// UNAUTHENTICATED when <paramref name="keyRevoked"/> fires (the key was removed from the configuration).
    /// </summary>
    public async Task WatchAsync(
        string organization, string keyId, Guid missionId, Guid runId, string? afterEventId, Func<RunUpdate, Task> write,
        CancellationToken keyRevoked, CancellationToken cancellationToken)
    {
        using var slot = slots.Take(keyId);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, keyRevoked);
        try
        {
            await WatchAsync(organization, missionId, runId, afterEventId, write, watching.Token);
        }
        catch (OperationCanceledException) when (keyRevoked.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, ApiKeyDefaults.KeyRevoked));
        }
    }

    private async Task WatchAsync(
        string organization, Guid missionId, Guid runId, string? afterEventId, Func<RunUpdate, Task> write, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        using var span = ApiTelemetry.Source.StartActivity("watch run");
        metrics.WatchOpened();
        try
        {
            await WatchCoreAsync(organization, missionId, runId, afterEventId, write, limits, cancellationToken);
        }
        finally
        {
            metrics.WatchClosed();
        }
    }

    private async Task WatchCoreAsync(
        string organization, Guid missionId, Guid runId, string? afterEventId, Func<RunUpdate, Task> write, WatchOptions limits, CancellationToken cancellationToken)
    {
        using var live = await feed.SubscribeAsync(organization, runId, limits.BufferSize, cancellationToken);

        var lastEvent = afterEventId;
        var lastSequence = 0L; // events are sent in their run's commit order (Sequence), each once
        while (true)
        {
            var batch = await events.EventsAfterAsync(organization, missionId, runId, lastEvent, limits.ReplayBatchSize, cancellationToken);
            foreach (var stored in batch)
            {
                await write(new RunUpdate { Event = stored.ToProto() });
                lastEvent = stored.Id;
                lastSequence = stored.Sequence;
            }
            if (batch.Count < limits.ReplayBatchSize)
            {
                break;
            }
        }

        var run = await runs.GetRunAsync(organization, missionId, runId, cancellationToken);
        await write(new RunUpdate { Run = run.ToProto() });
        if (RunStatus.IsTerminal(run.Status))
        {
            return;
        }
        var runVersion = run.UpdatedAt;

        // A server that shuts down ends live watches with a cursor instead of holding up its shutdown.
        var stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
        using var liveOrStopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        await using var reader = live.Items.ReadAllAsync(liveOrStopping.Token).GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await reader.MoveNextAsync())
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                metrics.WatchResumed("shutdown");
                await write(new RunUpdate { Resume = Resume(lastEvent, "The server is shutting down; watch again with after_event_id to continue") });
                return;
            }
            var item = reader.Current;
            switch (item)
            {
                case EventCommitted { Event: var e } when e.Sequence > lastSequence:
                    await write(new RunUpdate { Event = e.ToProto() });
                    lastEvent = e.Id;
                    lastSequence = e.Sequence;
                    break;
                case RunChanged { Run: var changed } when changed.UpdatedAt > runVersion:
                    await write(new RunUpdate { Run = changed.ToProto() });
                    runVersion = changed.UpdatedAt;
                    if (RunStatus.IsTerminal(changed.Status))
                    {
                        return;
                    }
                    break;
                case StepChanged { Step: var step }:
                    await write(new RunUpdate { Step = step.ToProto() });
                    break;
                case RunRemoved { RunId: var removed }:
                    // An update, not an error: REST callers already have a 200 and a stream of objects.
                    await write(new RunUpdate { Removed = new WatchRemoved { RunId = removed } });
                    return;
            }
        }

        if (live.Overflowed)
        {
            metrics.WatchResumed("behind");
            await write(new RunUpdate
            {
                Resume = Resume(lastEvent, $"The watcher fell more than {limits.BufferSize} updates behind; watch again with after_event_id to continue"),
            });
        }
    }

    private static WatchResume Resume(string? lastEvent, string reason)
    {
        var resume = new WatchResume { Reason = reason };
        if (lastEvent is not null)
        {
            resume.AfterEventId = lastEvent;
        }
        return resume;
    }
}
