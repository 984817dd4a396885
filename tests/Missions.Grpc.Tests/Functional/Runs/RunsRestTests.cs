using System.Net;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Runs;

/// <summary>Runs as a REST caller sees them: start, get, update, the lifecycle verbs, lists, isolation, cascade.</summary>
public sealed class RunsRestTests : AppTest
{
    private const string Missions = RestCalls.Missions;
    private static readonly string[] Statuses = LifecycleTable.Statuses;
    private static readonly string[] Terminal = LifecycleTable.Terminal;
    private static readonly HashSet<(string From, string To)> Allowed = LifecycleTable.Allowed;

    private HttpClient Client => field ??= App.Rest();

    private Task<string> MissionAsync(HttpClient? client = null) => (client ?? Client).NewMissionAsync("runs");

    private Task<JsonNode> StartAsync(string missionId, string body = "{}", HttpClient? client = null) =>
        (client ?? Client).StartRunAsync(missionId, body);

    private Task<(HttpStatusCode Status, JsonNode? Json, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string path, string? body = null, HttpClient? client = null) =>
        (client ?? Client).SendAsync(method, path, body);

    private Task<(HttpStatusCode Status, JsonNode? Json, HttpResponseMessage Response)> PatchAsync(string missionId, string runId, string body) =>
        SendAsync(HttpMethod.Patch, $"{Missions}/{missionId}/runs/{runId}", body);

    private Task<(HttpStatusCode Status, JsonNode? Json, HttpResponseMessage Response)> VerbAsync(string missionId, string runId, string verb) =>
        SendAsync(HttpMethod.Post, $"{Missions}/{missionId}/runs/{runId}/{verb}");

    /// <summary>Moves a new run to <paramref name="status"/> along allowed steps.</summary>
    private async Task<JsonNode> DriveToAsync(string missionId, string runId, string status)
    {
        string[] path = status switch
        {
            "pending" => [],
            "paused" => ["running", "paused"],
            "succeeded" => ["running", "succeeded"],
            _ => [status],
        };
        JsonNode run = (await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/{runId}")).Json!["data"]!;
        foreach (var step in path)
        {
            var (code, json, _) = await PatchAsync(missionId, runId, $$"""{"status":"{{step}}"}""");
            Assert.Equal(HttpStatusCode.OK, code);
            run = json!["data"]!;
        }
        Assert.Equal(status, (string?)run["status"]);
        return run;
    }

    private static string[] RunIds(JsonNode? list) => list!["data"]!.AsArray().Select(r => (string)r!["run_id"]!).ToArray();

    // ---- start ----

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    [InlineData("""{"input":null,"metadata":null}""")]
    [InlineData("null")]
    public async Task Start_without_arguments_answers_201_with_a_pending_run_and_exactly_the_required_keys(string? body)
    {
        var missionId = await MissionAsync();

        var (status, json, response) = await SendAsync(HttpMethod.Post, $"{Missions}/{missionId}/runs", body);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["data"], json.Keys());
        var run = json!["data"]!;
        Assert.Equal(Json.Sorted("run_id", "mission_id", "status", "started_at", "updated_at"), run.Keys());
        Assert.Equal(7, Guid.Parse((string)run["run_id"]!).Version);
        Assert.Equal(missionId, (string?)run["mission_id"]);
        Assert.Equal("pending", (string?)run["status"]);
        Assert.Equal((string?)run["started_at"], (string?)run["updated_at"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$", (string)run["started_at"]!);
    }

    [Fact]
    public async Task Start_stores_input_and_metadata_as_given()
    {
        var missionId = await MissionAsync();

        var run = await StartAsync(missionId, """{"input":{"objective":"triage","limits":{"max":3,"tags":["a",null,true]}},"metadata":{"requested_by":"docs"}}""");

        Assert.Equal("""{"objective":"triage","limits":{"max":3,"tags":["a",null,true]}}""", run["input"]!.ToJsonString());
        Assert.Equal("""{"requested_by":"docs"}""", run["metadata"]!.ToJsonString());
        var (_, got, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/{run["run_id"]}");
        Assert.Equal(run.ToJsonString(), got!["data"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"input":"text"}""", "dict_type", "body,input")]
    [InlineData("""{"metadata":[1]}""", "dict_type", "body,metadata")]
    [InlineData("""[]""", "model_attributes_type", "body")]
    [InlineData("""{"input":""", "json_invalid", "body,9")]
    public async Task Start_with_an_invalid_body_is_422(string body, string type, string loc)
    {
        var missionId = await MissionAsync();

        var (status, json, _) = await SendAsync(HttpMethod.Post, $"{Missions}/{missionId}/runs", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(loc, string.Join(',', error.Loc()));
    }

    [Fact]
    public async Task Start_under_an_unknown_mission_is_404_and_under_a_malformed_id_422()
    {
        var (unknown, unknownJson, _) = await SendAsync(HttpMethod.Post, $"{Missions}/{Guid.CreateVersion7()}/runs", "{}");
        var (malformed, malformedJson, _) = await SendAsync(HttpMethod.Post, $"{Missions}/not-a-uuid/runs", "{}");

        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal("""{"detail":"Mission not found"}""", unknownJson!.ToJsonString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformed);
        var error = malformedJson.SingleDetail();
        Assert.Equal("uuid_parsing", (string?)error["type"]);
        Assert.Equal(["path", "mission_id"], error.Loc());
        Assert.Equal("not-a-uuid", (string?)error["input"]);
    }

    // ---- get ----

    [Fact]
    public async Task A_run_exists_only_under_its_own_mission_and_organization()
    {
        var missionId = await MissionAsync();
        var otherMission = await MissionAsync();
        var runId = (string)(await StartAsync(missionId))["run_id"]!;
        var orgB = App.Rest(TestKeys.KeyB);

        var underOther = await SendAsync(HttpMethod.Get, $"{Missions}/{otherMission}/runs/{runId}");
        var unknownRun = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/{Guid.CreateVersion7()}");
        var unknownMission = await SendAsync(HttpMethod.Get, $"{Missions}/{Guid.CreateVersion7()}/runs/{runId}");
        var otherOrg = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/{runId}", client: orgB);
        var otherOrgPatch = await SendAsync(HttpMethod.Patch, $"{Missions}/{missionId}/runs/{runId}", """{"status":"running"}""", orgB);
        var otherOrgCancel = await SendAsync(HttpMethod.Post, $"{Missions}/{missionId}/runs/{runId}/cancel", client: orgB);
        var underOtherCancel = await VerbAsync(otherMission, runId, "cancel");

        Assert.Equal("""{"detail":"Run not found"}""", underOther.Json!.ToJsonString());
        Assert.Equal("""{"detail":"Run not found"}""", unknownRun.Json!.ToJsonString());
        Assert.Equal("""{"detail":"Run not found"}""", underOtherCancel.Json!.ToJsonString());
        Assert.Equal("""{"detail":"Mission not found"}""", unknownMission.Json!.ToJsonString());
        foreach (var (status, json, _) in new[] { otherOrg, otherOrgPatch, otherOrgCancel })
        {
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("""{"detail":"Mission not found"}""", json!.ToJsonString());
        }
        Assert.All(new[] { underOther, unknownRun, unknownMission, underOtherCancel }, r => Assert.Equal(HttpStatusCode.NotFound, r.Status));
        var (_, stillPending, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/{runId}");
        Assert.Equal("pending", (string?)stillPending!["data"]!["status"]);
    }

    [Fact]
    public async Task A_query_parameter_named_like_a_path_parameter_is_ignored()
    {
        var missionId = await MissionAsync();
        var runId = (string)(await StartAsync(missionId))["run_id"]!;
        await DriveToAsync(missionId, runId, "running");

        var get = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/{runId}?run_id=latest&mission_id=x");
        var pause = await SendAsync(HttpMethod.Post, $"{Missions}/{missionId}/runs/{runId}/pause?mission_id=x");
        var list = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs?mission_id=all");
        var mission = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}?mission_id=abc");

        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.Equal(runId, (string?)get.Json!["data"]!["run_id"]);
        Assert.Equal(HttpStatusCode.OK, pause.Status);
        Assert.Equal("paused", (string?)pause.Json!["data"]!["status"]);
        Assert.Equal([runId], RunIds(list.Json));
        Assert.Equal(HttpStatusCode.OK, mission.Status);
    }

    [Fact]
    public async Task A_malformed_run_id_is_422_at_its_path_location()
    {
        var missionId = await MissionAsync();

        var (status, json, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/12345");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal("uuid_parsing", (string?)error["type"]);
        Assert.Equal(["path", "run_id"], error.Loc());
    }

    // ---- update ----

    [Fact]
    public async Task Patch_sets_results_and_metadata_and_keeps_what_is_absent()
    {
        var missionId = await MissionAsync();
        var run = await StartAsync(missionId, """{"input":{"q":1},"metadata":{"a":1}}""");
        var runId = (string)run["run_id"]!;

        var (status, json, _) = await PatchAsync(missionId, runId,
            """{"status":"running","result_summary":"half way","result_payload":{"done":12},"error":"retrying","metadata":{"b":2},"unknown":1}""");
        var (_, again, _) = await PatchAsync(missionId, runId, """{"result_summary":"all done","metadata":null}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var updated = json!["data"]!;
        Assert.Equal("running", (string?)updated["status"]);
        Assert.Equal("half way", (string?)updated["result_summary"]);
        Assert.Equal("""{"done":12}""", updated["result_payload"]!.ToJsonString());
        Assert.Equal("retrying", (string?)updated["error"]);
        Assert.Equal("""{"b":2}""", updated["metadata"]!.ToJsonString());
        Assert.Equal("""{"q":1}""", updated["input"]!.ToJsonString());
        Assert.Equal((string?)run["started_at"], (string?)updated["started_at"]);
        Assert.True(DateTime.Parse((string)updated["updated_at"]!) > DateTime.Parse((string)run["updated_at"]!));
        Assert.Null(updated["finished_at"]);
        var final = again!["data"]!;
        Assert.Equal("all done", (string?)final["result_summary"]);
        Assert.Equal("""{"b":2}""", final["metadata"]!.ToJsonString());
        Assert.Equal("running", (string?)final["status"]);
    }

    [Fact]
    public async Task Patch_that_changes_nothing_keeps_updated_at()
    {
        var missionId = await MissionAsync();
        var run = await StartAsync(missionId, """{"metadata":{"a":1}}""");
        var runId = (string)run["run_id"]!;

        var empty = await PatchAsync(missionId, runId, "{}");
        var same = await PatchAsync(missionId, runId, """{"status":"pending","metadata":{"a":1}}""");

        Assert.Equal(HttpStatusCode.OK, empty.Status);
        Assert.Equal(run.ToJsonString(), empty.Json!["data"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, same.Status);
        Assert.Equal(run.ToJsonString(), same.Json!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task Patch_needs_a_body_and_a_known_status()
    {
        var missionId = await MissionAsync();
        var runId = (string)(await StartAsync(missionId))["run_id"]!;

        var noBody = await SendAsync(HttpMethod.Patch, $"{Missions}/{missionId}/runs/{runId}");
        var nullBody = await SendAsync(HttpMethod.Patch, $"{Missions}/{missionId}/runs/{runId}", "null");
        var badStatus = await PatchAsync(missionId, runId, """{"status":"done"}""");
        var badSummary = await PatchAsync(missionId, runId, """{"result_summary":42}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, noBody.Status);
        Assert.Equal(["body"], noBody.Json.SingleDetail().Loc());
        Assert.Equal("missing", (string?)noBody.Json.SingleDetail()["type"]);
        Assert.Equal(noBody.Json!.ToJsonString(), nullBody.Json!.ToJsonString());
        var status = badStatus.Json.SingleDetail();
        Assert.Equal("enum", (string?)status["type"]);
        Assert.Equal(["body", "status"], status.Loc());
        Assert.Equal("Input should be 'pending', 'running', 'paused', 'succeeded', 'failed' or 'cancelled'", (string?)status["msg"]);
        Assert.Equal("done", (string?)status["input"]);
        Assert.Equal(["body", "result_summary"], badSummary.Json.SingleDetail().Loc());
        Assert.Equal("string_type", (string?)badSummary.Json.SingleDetail()["type"]);
    }

    // ---- lifecycle ----

    public static TheoryData<string, string> EveryPair() => LifecycleTable.EveryPair();

    [Theory]
    [MemberData(nameof(EveryPair))]
    public async Task Patch_status_follows_the_lifecycle(string from, string to)
    {
        var missionId = await MissionAsync();
        var runId = (string)(await StartAsync(missionId))["run_id"]!;
        var before = await DriveToAsync(missionId, runId, from);

        var (status, json, response) = await PatchAsync(missionId, runId, $$"""{"status":"{{to}}"}""");

        if (from == to)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(before.ToJsonString(), json!["data"]!.ToJsonString()); // a no-op: updated_at unchanged
        }
        else if (Allowed.Contains((from, to)))
        {
            Assert.Equal(HttpStatusCode.OK, status);
            AssertMoved(before, json!["data"]!, to);
        }
        else
        {
            AssertRefused(status, json, response, from, to);
            var (_, after, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/{runId}");
            Assert.Equal(before.ToJsonString(), after!["data"]!.ToJsonString());
        }
    }

    public static TheoryData<string, string> EveryVerbFromEveryStatus()
    {
        var data = new TheoryData<string, string>();
        foreach (var verb in new[] { "cancel", "pause", "resume" })
        {
            foreach (var from in Statuses)
            {
                data.Add(verb, from);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryVerbFromEveryStatus))]
    public async Task Cancel_pause_and_resume_need_their_status(string verb, string from)
    {
        var missionId = await MissionAsync();
        var runId = (string)(await StartAsync(missionId))["run_id"]!;
        var before = await DriveToAsync(missionId, runId, from);
        var (target, allowedFrom) = verb switch
        {
            "cancel" => ("cancelled", new[] { "pending", "running", "paused" }),
            "pause" => ("paused", ["running"]),
            _ => ("running", new[] { "paused" }),
        };

        var (status, json, response) = await VerbAsync(missionId, runId, verb);

        if (allowedFrom.Contains(from))
        {
            Assert.Equal(HttpStatusCode.OK, status);
            AssertMoved(before, json!["data"]!, target);
        }
        else
        {
            AssertRefused(status, json, response, from, target);
        }
    }

    private static void AssertMoved(JsonNode before, JsonNode after, string to)
    {
        Assert.Equal(to, (string?)after["status"]);
        Assert.True(DateTime.Parse((string)after["updated_at"]!) > DateTime.Parse((string)before["updated_at"]!));
        Assert.Equal((string?)before["started_at"], (string?)after["started_at"]);
        if (Terminal.Contains(to))
        {
            Assert.Equal((string?)after["updated_at"], (string?)after["finished_at"]);
        }
        else
        {
            Assert.Null(after["finished_at"]);
        }
    }

    private static void AssertRefused(HttpStatusCode status, JsonNode? json, HttpResponseMessage response, string from, string to)
    {
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(["false"], response.Headers.GetValues("x-should-retry"));
        Assert.Equal(["detail"], json.Keys());
        var detail = (string)json!["detail"]!;
        Assert.Contains($"'{from}'", detail);
        Assert.Contains($"'{to}'", detail);
    }

    [Fact]
    public async Task Results_can_be_recorded_on_a_finished_run_without_moving_finished_at()
    {
        var missionId = await MissionAsync();
        var runId = (string)(await StartAsync(missionId))["run_id"]!;
        var finished = await DriveToAsync(missionId, runId, "succeeded");

        var (status, json, _) = await PatchAsync(missionId, runId, """{"result_summary":"24 records","result_payload":{"n":24},"status":"succeeded"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var run = json!["data"]!;
        Assert.Equal("succeeded", (string?)run["status"]);
        Assert.Equal("24 records", (string?)run["result_summary"]);
        Assert.Equal((string?)finished["finished_at"], (string?)run["finished_at"]);
        Assert.True(DateTime.Parse((string)run["updated_at"]!) > DateTime.Parse((string)finished["updated_at"]!));
    }

    [Fact]
    public async Task Of_concurrent_cancels_exactly_one_wins()
    {
        var missionId = await MissionAsync();
        var runId = (string)(await StartAsync(missionId))["run_id"]!;
        await DriveToAsync(missionId, runId, "running");

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => VerbAsync(missionId, runId, "cancel")));

        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.Equal(23, results.Count(r => r.Status == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Of_concurrent_conflicting_outcomes_exactly_one_wins()
    {
        var missionId = await MissionAsync();
        var runId = (string)(await StartAsync(missionId))["run_id"]!;
        await DriveToAsync(missionId, runId, "running");

        var requests = Enumerable.Range(0, 24).Select(i => i % 2 == 0 ? "succeeded" : "failed").ToList();
        var results = await Task.WhenAll(requests.Select(to => PatchAsync(missionId, runId, $$"""{"status":"{{to}}"}""")));

        var (_, final, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{missionId}/runs/{runId}");
        var winner = (string)final!["data"]!["status"]!;
        Assert.Contains(winner, new[] { "succeeded", "failed" });
        // The winner's own status again is a no-op (200); the other terminal status is refused.
        foreach (var (to, result) in requests.Zip(results))
        {
            Assert.Equal(to == winner ? HttpStatusCode.OK : HttpStatusCode.Conflict, result.Status);
            if (result.Status == HttpStatusCode.OK)
            {
                Assert.Equal((string?)final["data"]!["finished_at"], (string?)result.Json!["data"]!["finished_at"]);
            }
        }
    }

    // ---- lists ----

    [Fact]
    public async Task Lists_are_newest_first_paged_and_filtered_by_status()
    {
        var first = await MissionAsync();
        var second = await MissionAsync();
        var runs = new List<(string Mission, string Run)>();
        for (var i = 0; i < 5; i++)
        {
            var mission = i % 2 == 0 ? first : second;
            runs.Add((mission, (string)(await StartAsync(mission))["run_id"]!));
        }
        await DriveToAsync(runs[0].Mission, runs[0].Run, "running");
        await DriveToAsync(runs[2].Mission, runs[2].Run, "failed");
        await DriveToAsync(runs[4].Mission, runs[4].Run, "running");
        var newestFirst = Enumerable.Reverse(runs).Select(r => r.Run).ToArray();

        var (_, all, _) = await SendAsync(HttpMethod.Get, $"{Missions}/runs");
        var (_, allPage2, _) = await SendAsync(HttpMethod.Get, $"{Missions}/runs?page%5Bnumber%5D=2&page%5Bsize%5D=2");
        var (_, ofFirst, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{first}/runs");
        var (_, running, _) = await SendAsync(HttpMethod.Get, $"{Missions}/runs?status=running");
        var (_, firstRunning, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{first}/runs?status=running&page[size]=1");
        var (_, secondPending, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{second}/runs?status=pending");
        var (_, succeeded, _) = await SendAsync(HttpMethod.Get, $"{Missions}/runs?status=succeeded");

        Assert.Equal(newestFirst, RunIds(all));
        Assert.Equal("""{"page_number":1,"page_size":20,"total_pages":1,"total_results":5}""", all!["meta"]!.ToJsonString());
        Assert.Equal(newestFirst[2..4], RunIds(allPage2));
        Assert.Equal("""{"page_number":2,"page_size":2,"total_pages":3,"total_results":5}""", allPage2!["meta"]!.ToJsonString());
        Assert.Equal([runs[4].Run, runs[2].Run, runs[0].Run], RunIds(ofFirst));
        Assert.Equal([runs[4].Run, runs[0].Run], RunIds(running));
        Assert.Equal([runs[4].Run], RunIds(firstRunning));
        Assert.Equal("""{"page_number":1,"page_size":1,"total_pages":2,"total_results":2}""", firstRunning!["meta"]!.ToJsonString());
        Assert.Equal([runs[3].Run, runs[1].Run], RunIds(secondPending));
        Assert.Equal("""{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}}""", succeeded!.ToJsonString());
        Assert.Equal(Json.Sorted("run_id", "mission_id", "status", "started_at", "updated_at"), all["data"]![0]!.Keys());
    }

    [Theory]
    [InlineData("/runs?status=done", "query,status", "enum")]
    [InlineData("/runs?status=STATUS_UNSPECIFIED", "query,status", "enum")]
    [InlineData("/runs?status=Running", "query,status", "enum")]
    [InlineData("/runs?page[size]=1001", "query,page[size]", "less_than_equal")]
    [InlineData("/{mission}/runs?status=", "query,status", "enum")]
    [InlineData("/{mission}/runs?page[number]=0", "query,page[number]", "greater_than_equal")]
    [InlineData("/nope/runs", "path,mission_id", "uuid_parsing")]
    public async Task List_parameters_outside_their_bounds_are_422(string path, string loc, string type)
    {
        var mission = await MissionAsync();

        var (status, json, _) = await SendAsync(HttpMethod.Get, Missions + path.Replace("{mission}", mission));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(loc, string.Join(',', error.Loc()));
    }

    [Fact]
    public async Task Lists_hold_only_the_callers_runs_and_an_unknown_mission_is_404()
    {
        var missionA = await MissionAsync();
        await StartAsync(missionA);
        var orgB = App.Rest(TestKeys.KeyB);
        var missionB = await MissionAsync(orgB);
        var runB = (string)(await StartAsync(missionB, client: orgB))["run_id"]!;

        var (_, listB, _) = await SendAsync(HttpMethod.Get, $"{Missions}/runs", client: orgB);
        var (status, json, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{missionA}/runs", client: orgB);
        var (unknown, unknownJson, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{Guid.CreateVersion7()}/runs");

        Assert.Equal([runB], RunIds(listB));
        Assert.Equal(1, (int)listB!["meta"]!["total_results"]!);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("""{"detail":"Mission not found"}""", json!.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal("""{"detail":"Mission not found"}""", unknownJson!.ToJsonString());
    }

    // ---- cascade ----

    [Fact]
    public async Task Deleting_a_mission_deletes_its_runs_and_their_counts()
    {
        var doomed = await MissionAsync();
        var kept = await MissionAsync();
        var doomedRuns = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            doomedRuns.Add((string)(await StartAsync(doomed))["run_id"]!);
        }
        await DriveToAsync(doomed, doomedRuns[0], "running");
        var keptRun = (string)(await StartAsync(kept))["run_id"]!;
        await DriveToAsync(kept, keptRun, "running");

        var deleted = await SendAsync(HttpMethod.Delete, $"{Missions}/{doomed}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        var (gone, goneJson, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{doomed}/runs/{doomedRuns[1]}");
        Assert.Equal(HttpStatusCode.NotFound, gone);
        Assert.Equal("""{"detail":"Mission not found"}""", goneJson!.ToJsonString());
        var (_, all, _) = await SendAsync(HttpMethod.Get, $"{Missions}/runs");
        var (_, running, _) = await SendAsync(HttpMethod.Get, $"{Missions}/runs?status=running");
        var (_, pending, _) = await SendAsync(HttpMethod.Get, $"{Missions}/runs?status=pending");
        Assert.Equal([keptRun], RunIds(all));
        Assert.Equal(1, (int)all!["meta"]!["total_results"]!);
        Assert.Equal([keptRun], RunIds(running));
        Assert.Equal(1, (int)running!["meta"]!["total_results"]!);
        Assert.Equal("""{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}""", pending!["meta"]!.ToJsonString());
    }

    [Fact]
    public async Task Clone_does_not_copy_runs()
    {
        var mission = await MissionAsync();
        await StartAsync(mission);

        var (_, clone, _) = await SendAsync(HttpMethod.Post, $"{Missions}/{mission}/clone");
        var (_, runs, _) = await SendAsync(HttpMethod.Get, $"{Missions}/{clone!["data"]!["mission_id"]}/runs");

        Assert.Equal("""{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}}""", runs!.ToJsonString());
    }
}
