using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using Missions.Grpc.Watch;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;
using EventType = Missions.Grpc.V1.RunEvent.Types.Type;
using RunStatus = Missions.Grpc.V1.MissionRun.Types.Status;

namespace Missions.Grpc.Tests.Functional.Watch;

/// <summary>
/// WatchRun: replay then live with no gap and no duplicate under concurrent writes, resume from a cursor,
/// the end on a terminal run or a deleted one, a reader that falls behind, and the same stream over REST.
/// </summary>
public sealed class WatchRunTests : IAsyncLifetime
{
    // Small replay batches so that writers run while the replay is still reading.
    private readonly MissionsApp _app = new(settings: new Dictionary<string, string?> { ["Watch:ReplayBatchSize"] = "7" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(string MissionId, string RunId)> NewRunAsync()
    {
        var missionId = (await _app.Grpc().CreateMissionAsync(new CreateMissionRequest { Name = "watched" }, Key(), Deadline)).Data.MissionId;
        var runId = (await _app.GrpcRuns().CreateRunAsync(new CreateRunRequest { MissionId = missionId }, Key(), Deadline)).Data.RunId;
        return (missionId, runId);
    }

    private Task<EventResponse> LogAsync(string missionId, string runId, string summary) =>
        new RunEventsService.RunEventsServiceClient(_app.GrpcChannel()).LogEventAsync(new LogEventRequest
        {
            MissionId = missionId,
            RunId = runId,
            Type = EventType.Message,
            Summary = summary,
        }, Key(), Deadline).ResponseAsync;

    private Task<RunResponse> SetStatusAsync(string missionId, string runId, RunStatus status) =>
        _app.GrpcRuns().UpdateRunAsync(new UpdateRunRequest { MissionId = missionId, RunId = runId, Status = status }, Key(), Deadline).ResponseAsync;

    /// <summary>Reads the whole stream (it must end by itself within the deadline).</summary>
    private async Task<List<RunUpdate>> WatchAllAsync(WatchRunRequest request, string key = TestKeys.KeyA)
    {
        var client = new RunWatchService.RunWatchServiceClient(_app.GrpcChannel());
        using var call = client.WatchRun(request, Key(key), DateTime.UtcNow.AddSeconds(60));
        var updates = new List<RunUpdate>();
        await foreach (var update in call.ResponseStream.ReadAllAsync())
        {
            updates.Add(update);
        }
        return updates;
    }

    private async Task<List<string>> AllEventIdsAsync(string missionId, string runId)
    {
        var events = new RunEventsService.RunEventsServiceClient(_app.GrpcChannel());
        var ids = new List<string>();
        for (var page = 1; ; page++)
        {
            var list = await events.ListRunEventsAsync(new ListRunEventsRequest
            {
                MissionId = missionId,
                RunId = runId,
                Page = new PageRequest { Number = page, Size = 1000 },
            }, Key(), Deadline);
            ids.AddRange(list.Data.Select(e => e.EventId));
            if (page >= list.Meta.TotalPages)
            {
                return ids;
            }
        }
    }

    [Fact]
    public async Task Replay_then_live_has_every_event_once_in_order_under_concurrent_writes_and_ends_on_a_terminal_run()
    {
        var (missionId, runId) = await NewRunAsync();
        for (var i = 0; i < 30; i++)
        {
            await LogAsync(missionId, runId, $"before-{i}");
        }
        var watch = WatchAllAsync(new WatchRunRequest { MissionId = missionId, RunId = runId });
        // Four writers start while the watch subscribes and replays in batches of 7.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await LogAsync(missionId, runId, $"writer-{w}-{i}");
            }
        })).ToList();
        await Task.WhenAll(writers);
        await SetStatusAsync(missionId, runId, RunStatus.Running);
        await _app.Services.GetRequiredService<IPlanStore>().AddStepsAsync(TestKeys.OrgA, Guid.Parse(missionId), Guid.Parse(runId),
            [new NewStep("s1", "a step", 0, null, null)], initialPlan: true);
        await SetStatusAsync(missionId, runId, RunStatus.Succeeded);
        await LogAsync(missionId, runId, "after the end"); // the stream has ended: not part of it

        var updates = await watch.WaitAsync(TimeSpan.FromSeconds(60));

        var stored = await AllEventIdsAsync(missionId, runId);
        var watchedEvents = updates.Where(u => u.UpdateCase == RunUpdate.UpdateOneofCase.Event).Select(u => u.Event.EventId).ToList();
        Assert.Equal(stored.Take(190), watchedEvents); // 30 before + 160 during, each once, in commit order
        var runs = updates.Where(u => u.UpdateCase == RunUpdate.UpdateOneofCase.Run).Select(u => u.Run).ToList();
        Assert.Equal(RunStatus.Succeeded, runs[^1].Status);
        Assert.Equal(runs[^1], updates[^1].Run); // the terminal run is the last update
        Assert.Equal(runs.Select(r => r.UpdatedAt).Distinct().Count(), runs.Count); // no run state twice
        Assert.Contains(updates, u => u.UpdateCase == RunUpdate.UpdateOneofCase.Step && u.Step.StepId == "s1");
        Assert.Equal(RunUpdate.UpdateOneofCase.Event, updates[0].UpdateCase);
    }

    [Fact]
    public async Task Commits_racing_the_replay_read_arrive_once_and_none_is_lost()
    {
        var store = _app.Services.GetRequiredService<IMissionStore>();
        var events = _app.Services.GetRequiredService<IEventStore>();
        var mission = Guid.Parse((await store.CreateMissionAsync(new NewMission(TestKeys.OrgA, "race", null, null, null, "external", null))).Id);
        var run = Guid.Parse((await _app.RunStore.CreateRunAsync(TestKeys.OrgA, mission, new NewRun(null, null))).Id);
        NewEvent Event(string summary) => new("message", summary, null, null, null, null);
        var racing = new RacingEventStore(events,
            before: () => events.LogEventAsync(TestKeys.OrgA, mission, run, Event("committed before the replay read")),
            after: () => events.LogEventAsync(TestKeys.OrgA, mission, run, Event("committed after the replay read")));
        var watcher = new RunWatcher(_app.Services.GetRequiredService<IRunFeed>(), racing, _app.RunStore,
            Microsoft.Extensions.Options.Options.Create(new WatchOptions()), TestMetrics.Api(), new WatchSlots(Microsoft.Extensions.Options.Options.Create(new WatchOptions())));
        var received = new List<RunUpdate>();

        using var stop = new CancellationTokenSource();
        var watch = watcher.WatchAsync(TestKeys.OrgA, "test-key", mission, run, null, update =>
        {
            received.Add(update);
            if (received.Count(u => u.Event is not null) == 2)
            {
                stop.Cancel();
            }
            return Task.CompletedTask;
        }, CancellationToken.None, stop.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch.WaitAsync(TimeSpan.FromSeconds(10)));

        // The first is in the replay and in the live buffer: sent once. The second is only in the live buffer.
        Assert.Equal(["committed before the replay read", "committed after the replay read"],
            received.Where(u => u.Event is not null).Select(u => u.Event.Summary));
    }

    /// <summary>An event store whose first replay read has a commit just before it and one just after it.</summary>
    private sealed class RacingEventStore(IEventStore inner, Func<Task> before, Func<Task> after) : IEventStore
    {
        private int _reads;

        public async Task<IReadOnlyList<EventDocument>> EventsAfterAsync(
            string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken = default)
        {
            var first = Interlocked.Increment(ref _reads) == 1;
            if (first)
            {
                await before();
            }
            var read = await inner.EventsAfterAsync(organization, missionId, runId, afterEventId, limit, cancellationToken);
            if (first)
            {
                await after();
            }
            return read;
        }

        public Task<LoggedEvent> LogEventAsync(string organization, Guid missionId, Guid runId, NewEvent newEvent, IdempotencyScope? idempotency = null, CancellationToken cancellationToken = default) =>
            inner.LogEventAsync(organization, missionId, runId, newEvent, idempotency, cancellationToken);

        public Task<Page<EventDocument>> ListRunEventsAsync(string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
            inner.ListRunEventsAsync(organization, missionId, runId, filter, offset, limit, cancellationToken);

        public Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken = default) =>
            inner.ListRecentEventsAsync(organization, type, offset, limit, cancellationToken);

        public Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken = default) =>
            inner.GetEventAsync(organization, missionId, runId, eventId, cancellationToken);
    }

    [Fact]
    public async Task A_watch_resumes_after_a_cursor_and_an_unknown_cursor_is_not_found()
    {
        var (missionId, runId) = await NewRunAsync();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await LogAsync(missionId, runId, $"e{i}")).Data.EventId);
        }
        await SetStatusAsync(missionId, runId, RunStatus.Failed);

        var resumed = await WatchAllAsync(new WatchRunRequest { MissionId = missionId, RunId = runId, AfterEventId = ids[6] });
        var atEnd = await WatchAllAsync(new WatchRunRequest { MissionId = missionId, RunId = runId, AfterEventId = ids[9] });
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            WatchAllAsync(new WatchRunRequest { MissionId = missionId, RunId = runId, AfterEventId = Guid.CreateVersion7().ToString() }));
        var otherOrg = await Assert.ThrowsAsync<RpcException>(() =>
            WatchAllAsync(new WatchRunRequest { MissionId = missionId, RunId = runId }, TestKeys.KeyB));

        Assert.Equal(ids[7..], resumed.Where(u => u.Event is not null).Select(u => u.Event.EventId));
        Assert.Equal(RunStatus.Failed, resumed[^1].Run.Status); // already terminal: replay, the run, the end
        Assert.Single(atEnd);
        Assert.Equal((StatusCode.NotFound, "Event not found"), (unknown.StatusCode, unknown.Status.Detail));
        Assert.Equal((StatusCode.NotFound, "Mission not found"), (otherOrg.StatusCode, otherOrg.Status.Detail));
    }

    [Fact]
    public async Task Deleting_the_mission_ends_its_watchers_with_a_removed_update()
    {
        var (missionId, runId) = await NewRunAsync();
        var client = new RunWatchService.RunWatchServiceClient(_app.GrpcChannel());
        using var call = client.WatchRun(new WatchRunRequest { MissionId = missionId, RunId = runId }, Key(), DateTime.UtcNow.AddSeconds(30));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(RunStatus.Pending, call.ResponseStream.Current.Run.Status); // live from here on

        await _app.Grpc().DeleteMissionAsync(new DeleteMissionRequest { MissionId = missionId }, Key(), Deadline);

        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(runId, call.ResponseStream.Current.Removed.RunId);
        Assert.False(await call.ResponseStream.MoveNext()); // a normal end: REST callers get a last line, not an error object
    }

    [Fact]
    public async Task A_server_that_shuts_down_ends_live_watches_with_a_cursor()
    {
        await using var app = new MissionsApp();
        var missionId = (await app.Grpc().CreateMissionAsync(new CreateMissionRequest { Name = "shutdown" }, Key(), Deadline)).Data.MissionId;
        var runId = (await app.GrpcRuns().CreateRunAsync(new CreateRunRequest { MissionId = missionId }, Key(), Deadline)).Data.RunId;
        var eventId = (await new RunEventsService.RunEventsServiceClient(app.GrpcChannel()).LogEventAsync(new LogEventRequest
        {
            MissionId = missionId, RunId = runId, Type = EventType.Message, Summary = "before",
        }, Key(), Deadline)).Data.EventId;
        var client = new RunWatchService.RunWatchServiceClient(app.GrpcChannel());
        using var call = client.WatchRun(new WatchRunRequest { MissionId = missionId, RunId = runId }, Key(), DateTime.UtcNow.AddSeconds(30));
        Assert.True(await call.ResponseStream.MoveNext()); // the event
        Assert.True(await call.ResponseStream.MoveNext()); // the run

        app.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().StopApplication();

        Assert.True(await call.ResponseStream.MoveNext().WaitAsync(TimeSpan.FromSeconds(10)));
        var resume = call.ResponseStream.Current.Resume;
        Assert.Equal(eventId, resume.AfterEventId);
        Assert.Contains("shutting down", resume.Reason);
    }

    [Fact]
    public async Task A_reader_that_falls_behind_the_buffer_is_told_where_to_resume_and_loses_nothing()
    {
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Watch:BufferSize"] = "4" });
        var store = app.Services.GetRequiredService<IMissionStore>();
        var events = app.Services.GetRequiredService<IEventStore>();
        var mission = Guid.Parse((await store.CreateMissionAsync(new NewMission(TestKeys.OrgA, "slow", null, null, null, "external", null))).Id);
        var run = Guid.Parse((await app.RunStore.CreateRunAsync(TestKeys.OrgA, mission, new NewRun(null, null))).Id);
        var watcher = app.Services.GetRequiredService<RunWatcher>();
        var received = new List<RunUpdate>();
        var snapshotSent = new TaskCompletionSource();
        var release = new TaskCompletionSource();

        var watch = watcher.WatchAsync(TestKeys.OrgA, "test-key", mission, run, null, async update =>
        {
            received.Add(update);
            if (update.Run is not null)
            {
                snapshotSent.SetResult();
                await release.Task; // a reader that stops reading
            }
        }, CancellationToken.None, CancellationToken.None);
        await snapshotSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var logged = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            logged.Add((await events.LogEventAsync(TestKeys.OrgA, mission, run, new NewEvent("message", $"e{i}", null, null, null, null))).Event.Id);
        }
        release.SetResult();
        await watch.WaitAsync(TimeSpan.FromSeconds(10));

        var delivered = received.Where(u => u.Event is not null).Select(u => u.Event.EventId).ToList();
        Assert.Equal(logged[..4], delivered); // the buffer's worth, in order
        var resume = received[^1].Resume;
        Assert.NotNull(resume);
        Assert.Equal(logged[3], resume.AfterEventId);
        Assert.Contains("fell more than 4 updates behind", resume.Reason);
        var rest = await events.EventsAfterAsync(TestKeys.OrgA, mission, run, resume.AfterEventId, 100);
        Assert.Equal(logged[4..], rest.Select(e => e.Id)); // resuming from the cursor loses nothing
    }

    [Fact]
    public async Task Rest_callers_get_the_stream_as_newline_delimited_json_and_errors_in_the_usual_shape()
    {
        var (missionId, runId) = await NewRunAsync();
        await LogAsync(missionId, runId, "first");
        var client = _app.Rest();
        var path = $"{RestCalls.Missions}/{missionId}/runs/{runId}/watch";

        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var lines = new List<JsonNode>();
        async Task<JsonNode> NextAsync()
        {
            var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            lines.Add(JsonNode.Parse(line!)!);
            return lines[^1];
        }
        Assert.Equal("first", (string?)(await NextAsync())["event"]!["summary"]);
        Assert.Equal("pending", (string?)(await NextAsync())["run"]!["status"]);
        await LogAsync(missionId, runId, "live");
        Assert.Equal("live", (string?)(await NextAsync())["event"]!["summary"]);
        await client.SendAsync(HttpMethod.Post, $"{RestCalls.Missions}/{missionId}/runs/{runId}/cancel");
        var last = await NextAsync();
        Assert.Equal("cancelled", (string?)last["run"]!["status"]);
        Assert.NotNull((string?)last["run"]!["finished_at"]);
        Assert.Null(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10))); // ended
        Assert.All(lines, l => Assert.Single(l.AsObject()));

        var (unknownStatus, unknownJson, _) = await client.SendAsync(HttpMethod.Get, $"{path}?after_event_id=nope");
        var (malformedStatus, malformedJson, _) = await client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs/x/watch");
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Equal("""{"detail":"Event not found"}""", unknownJson!.ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformedStatus);
        Assert.Equal(["path", "run_id"], malformedJson.SingleDetail().Loc());
    }
}
