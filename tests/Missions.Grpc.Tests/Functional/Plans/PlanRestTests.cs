using System.Net;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Plans;

/// <summary>A run's plan as a REST caller sees it: creation checked as a whole, ordering, stamping, 404s.</summary>
public sealed class PlanRestTests : AppTest
{
    private HttpClient Client => field ??= App.Rest();

    private static string Step(string id, int sequence, string? parent = null, string description = "do it") =>
        parent is null
            ? $$"""{"step_id":"{{id}}","description":"{{description}}","sequence":{{sequence}}}"""
            : $$"""{"step_id":"{{id}}","description":"{{description}}","sequence":{{sequence}},"parent_step_id":"{{parent}}"}""";

    private static string Steps(params string[] steps) => $$"""{"steps":[{{string.Join(',', steps)}}]}""";

    private static string[] StepIds(JsonNode? json) => json!["data"]!.AsArray().Select(s => (string)s!["step_id"]!).ToArray();

    [Fact]
    public async Task Create_plan_answers_201_with_pending_steps_in_request_order_and_sequence_zero_written()
    {
        var (run, _, runId) = await Client.NewRunAsync();

        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan",
            """{"steps":[{"step_id":"b","description":"second","sequence":1,"parent_step_id":"a","metadata":{"k":"v"}},{"step_id":"a","description":"first","sequence":0}]}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["data"], json.Keys());
        Assert.Equal(["b", "a"], StepIds(json));
        var first = json!["data"]![1]!;
        Assert.Equal(Json.Sorted("step_id", "run_id", "sequence", "description", "status"), first.Keys());
        Assert.Equal(0, (int)first["sequence"]!);
        Assert.Equal("pending", (string?)first["status"]);
        Assert.Equal(runId, (string?)first["run_id"]);
        var child = json["data"]![0]!;
        Assert.Equal("a", (string?)child["parent_step_id"]);
        Assert.Equal("""{"k":"v"}""", child["metadata"]!.ToJsonString());
    }

    [Fact]
    public async Task Plan_is_ordered_by_sequence_then_creation_with_no_meta()
    {
        var (run, _, _) = await Client.NewRunAsync();
        await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(Step("s3", 3), Step("s1", 1), Step("s2-early", 2)));
        await Client.SendAsync(HttpMethod.Post, $"{run}/plan/steps", Steps(Step("s2-late", 2), Step("s-neg", -5), Step("s0", 0)));

        var (status, json, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/plan");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["data"], json.Keys());
        Assert.Equal(["s-neg", "s0", "s1", "s2-early", "s2-late", "s3"], StepIds(json));
    }

    [Fact]
    public async Task A_second_initial_plan_is_409_and_added_steps_are_201()
    {
        var (run, _, _) = await Client.NewRunAsync();
        await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(Step("a", 0)));

        var (again, againJson, response) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(Step("b", 1)));
        var (added, addedJson, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan/steps", Steps(Step("b", 1, parent: "a")));

        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal(["false"], response.Headers.GetValues("x-should-retry"));
        Assert.Equal("""{"detail":"Run already has a plan of 1 steps; add steps with POST .../plan/steps"}""", againJson!.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, added);
        Assert.Equal(["b"], StepIds(addedJson));
    }

    [Theory]
    [InlineData("in the run", """{"steps":[{"step_id":"a","description":"again","sequence":5}]}""", "Step 'a' already exists in this run")]
    [InlineData("in the request", """{"steps":[{"step_id":"n","description":"x","sequence":5},{"step_id":"n","description":"y","sequence":6}]}""", "Step 'n' appears more than once in the request")]
    public async Task A_duplicate_step_id_is_409_and_nothing_is_stored(string where, string body, string detail)
    {
        _ = where;
        var (run, _, _) = await Client.NewRunAsync();
        await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(Step("a", 0)));

        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan/steps", body);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(detail, (string?)json!["detail"]);
        var (_, plan, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/plan");
        Assert.Equal(["a"], StepIds(plan));
    }

    [Fact]
    public async Task Parents_may_name_steps_of_the_run_or_of_the_request_and_a_bad_one_is_422_at_its_index()
    {
        var (run, _, _) = await Client.NewRunAsync();
        await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(Step("root", 0)));

        var (ok, okJson, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan/steps",
            Steps(Step("c1", 2, parent: "c0"), Step("c0", 1, parent: "root")));
        var (bad, badJson, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan/steps",
            Steps(Step("x1", 3, parent: "root"), Step("x2", 4, parent: "x1"), Step("x3", 5, parent: "ghost"), Step("x4", 6, parent: "x4")));

        Assert.Equal(HttpStatusCode.Created, ok);
        Assert.Equal(["c1", "c0"], StepIds(okJson));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad);
        var errors = badJson!["detail"]!.AsArray();
        Assert.Equal(2, errors.Count);
        Assert.Equal(["body", "steps", "2", "parent_step_id"], errors[0]!.Loc());
        Assert.Equal("value_error", (string?)errors[0]!["type"]);
        Assert.Equal("Value error, parent_step_id 'ghost' names no step of this run or of this request", (string?)errors[0]!["msg"]);
        Assert.Equal("ghost", (string?)errors[0]!["input"]);
        Assert.Equal(2, (int)errors[0]!["loc"]![2]!); // the index is a number, as in pydantic
        Assert.Equal(["body", "steps", "3", "parent_step_id"], errors[1]!.Loc());
        Assert.Equal("Value error, step 'x4' cannot be its own parent", (string?)errors[1]!["msg"]);
        var (_, plan, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/plan");
        Assert.Equal(["root", "c0", "c1"], StepIds(plan)); // nothing of the refused request
    }

    [Fact]
    public async Task Parents_that_form_a_cycle_in_the_request_are_422()
    {
        var (run, _, _) = await Client.NewRunAsync();

        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan",
            Steps(Step("p", 0, parent: "q"), Step("q", 1, parent: "p")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["body,steps,0,parent_step_id", "body,steps,1,parent_step_id"],
            json!["detail"]!.AsArray().Select(e => string.Join(',', e!.Loc())));
    }

    [Theory]
    [InlineData("""{}""", "missing", "body,steps")]
    [InlineData("""{"steps":[]}""", "too_short", "body,steps")]
    [InlineData("""{"steps":"one"}""", "list_type", "body,steps")]
    [InlineData("""{"steps":["Initiate the task"]}""", "model_attributes_type", "body,steps,0")]
    [InlineData("""{"steps":[{"description":"d","sequence":1}]}""", "missing", "body,steps,0,step_id")]
    [InlineData("""{"steps":[{"step_id":"a","sequence":1}]}""", "missing", "body,steps,0,description")]
    [InlineData("""{"steps":[{"step_id":"a","description":"d","sequence":1},{"step_id":"b","description":"d"}]}""", "missing", "body,steps,1,sequence")]
    [InlineData("""{"steps":[{"step_id":"a","description":"d","sequence":1.5}]}""", "int_from_float", "body,steps,0,sequence")]
    [InlineData("""{"steps":[{"step_id":"","description":"d","sequence":1}]}""", "string_too_short", "body,steps,0,step_id")]
    [InlineData("""{"steps":[{"step_id":"a","description":"d","sequence":1,"metadata":[]}]}""", "dict_type", "body,steps,0,metadata")]
    public async Task Invalid_steps_are_422_with_the_item_index_in_loc(string body, string type, string loc)
    {
        var (run, _, _) = await Client.NewRunAsync();

        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(loc, string.Join(',', error.Loc()));
    }

    [Fact]
    public async Task Lax_integers_are_read_as_pydantic_reads_them()
    {
        var (run, _, _) = await Client.NewRunAsync();

        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan",
            """{"steps":[{"step_id":"a","description":"d","sequence":"1"},{"step_id":"b","description":"d","sequence":2.0},{"step_id":"c","description":"d","sequence":" -3 "}]}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal([1, 2, -3], json!["data"]!.AsArray().Select(s => (int)s!["sequence"]!));
    }

    [Fact]
    public async Task Ids_of_256_four_byte_characters_are_stored_and_found()
    {
        var (run, _, _) = await Client.NewRunAsync();
        var id = string.Concat(Enumerable.Repeat("\ud83d\ude00", 256)); // 256 emoji: 1024 UTF-8 bytes

        var plan = await Client.SendAsync(HttpMethod.Post, $"{run}/plan", $$"""{"steps":[{"step_id":"{{id}}","description":"d","sequence":0}]}""");
        var logged = await Client.SendAsync(HttpMethod.Post, $"{run}/events",
            $$"""{"type":"message","summary":"s","step_id":"{{id}}","agent_id":"{{id}}","idempotency_key":"{{id}}"}""");
        var replayed = await Client.SendAsync(HttpMethod.Post, $"{run}/events",
            $$"""{"type":"message","summary":"s","step_id":"{{id}}","agent_id":"{{id}}","idempotency_key":"{{id}}"}""");
        var linked = await Client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", $$"""{"telnyx_agent_id":"{{id}}"}""");
        var step = await Client.SendAsync(HttpMethod.Get, $"{run}/plan/steps/{Uri.EscapeDataString(id)}");
        var byStep = await Client.SendAsync(HttpMethod.Get, $"{run}/events?step_id={Uri.EscapeDataString(id)}");
        var tooLong = await Client.SendAsync(HttpMethod.Post, $"{run}/telnyx-agents", $$"""{"telnyx_agent_id":"{{id}}x"}""");

        Assert.Equal(HttpStatusCode.Created, plan.Status);
        Assert.Equal(HttpStatusCode.Created, logged.Status);
        Assert.Equal(["true"], replayed.Response.Headers.GetValues("idempotent-replayed"));
        Assert.Equal(HttpStatusCode.Created, linked.Status);
        Assert.Equal(HttpStatusCode.OK, step.Status);
        Assert.Equal(id, (string?)step.Json!["data"]!["step_id"]);
        Assert.Equal(1, (int)byStep.Json!["meta"]!["total_results"]!);
        Assert.Equal("string_too_long", (string?)tooLong.Json.SingleDetail()["type"]);
    }

    [Fact]
    public async Task More_than_a_thousand_steps_in_one_request_is_422()
    {
        var (run, _, _) = await Client.NewRunAsync();
        var steps = Enumerable.Range(0, 1001).Select(i => Step($"s{i}", i)).ToArray();

        var (status, json, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(steps));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = json.SingleDetail();
        Assert.Equal("too_long", (string?)error["type"]);
        Assert.Equal("List should have at most 1000 items after validation, not 1001", (string?)error["msg"]);
    }

    [Fact]
    public async Task Step_status_changes_stamp_started_at_once_and_completed_at_on_done()
    {
        var (run, _, _) = await Client.NewRunAsync();
        await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(Step("a", 0)));
        var path = $"{run}/plan/steps/a";

        var (_, started, _) = await Client.SendAsync(HttpMethod.Patch, path, """{"status":"in_progress","metadata":{"try":1}}""");
        var (_, pendingAgain, _) = await Client.SendAsync(HttpMethod.Patch, path, """{"status":"pending"}""");
        var (_, restarted, _) = await Client.SendAsync(HttpMethod.Patch, path, """{"status":"in_progress"}""");
        var (_, completed, _) = await Client.SendAsync(HttpMethod.Patch, path, """{"status":"completed"}""");
        var (_, reopened, _) = await Client.SendAsync(HttpMethod.Patch, path, """{"status":"in_progress"}""");
        var (_, skipped, _) = await Client.SendAsync(HttpMethod.Patch, path, """{"status":"skipped","metadata":null}""");
        var (status, got, _) = await Client.SendAsync(HttpMethod.Get, path);

        var firstStart = (string?)started!["data"]!["started_at"];
        Assert.NotNull(firstStart);
        Assert.Null(started["data"]!["completed_at"]);
        Assert.Equal("""{"try":1}""", started["data"]!["metadata"]!.ToJsonString());
        Assert.Equal(firstStart, (string?)pendingAgain!["data"]!["started_at"]);
        Assert.Equal(firstStart, (string?)restarted!["data"]!["started_at"]); // once: the first time work began
        Assert.NotNull((string?)completed!["data"]!["completed_at"]);
        Assert.Null(reopened!["data"]!["completed_at"]);
        Assert.Equal("skipped", (string?)skipped!["data"]!["status"]);
        Assert.NotNull((string?)skipped["data"]!["completed_at"]);
        Assert.Equal("""{"try":1}""", skipped["data"]!["metadata"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(skipped["data"]!.ToJsonString(), got!["data"]!.ToJsonString());
    }

    [Theory]
    [InlineData(null, "missing", "body")]
    [InlineData("""{"status":"done"}""", "enum", "body,status")]
    [InlineData("""{"status":"in_progress","description":"ignored"}""", null, null)]
    public async Task Step_update_needs_a_body_and_a_known_status(string? body, string? type, string? loc)
    {
        var (run, _, _) = await Client.NewRunAsync();
        await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(Step("a", 0, description: "kept")));

        var (status, json, _) = await Client.SendAsync(HttpMethod.Patch, $"{run}/plan/steps/a", body);

        if (type is null)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("kept", (string?)json!["data"]!["description"]);
            return;
        }
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(type, (string?)json.SingleDetail()["type"]);
        Assert.Equal(loc, string.Join(',', json.SingleDetail().Loc()));
    }

    [Fact]
    public async Task Unknown_steps_runs_and_missions_are_404_and_steps_are_per_run()
    {
        var (run, missionId, _) = await Client.NewRunAsync();
        var otherRun = (string)(await Client.StartRunAsync(missionId))["run_id"]!;
        await Client.SendAsync(HttpMethod.Post, $"{run}/plan", Steps(Step("a", 0)));

        var unknownStep = await Client.SendAsync(HttpMethod.Get, $"{run}/plan/steps/zzz");
        var patchUnknown = await Client.SendAsync(HttpMethod.Patch, $"{run}/plan/steps/zzz", """{"status":"completed"}""");
        var otherRunsStep = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs/{otherRun}/plan/steps/a");
        var otherRunsPlan = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs/{otherRun}/plan");
        var unknownRun = await Client.SendAsync(HttpMethod.Get, $"{RestCalls.Missions}/{missionId}/runs/{Guid.CreateVersion7()}/plan");
        var otherOrg = await App.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Get, $"{run}/plan");
        var otherOrgAdd = await App.Rest(TestKeys.KeyB).SendAsync(HttpMethod.Post, $"{run}/plan/steps", Steps(Step("b", 1)));

        Assert.Equal("""{"detail":"Step not found"}""", unknownStep.Json!.ToJsonString());
        Assert.Equal("""{"detail":"Step not found"}""", patchUnknown.Json!.ToJsonString());
        Assert.Equal("""{"detail":"Step not found"}""", otherRunsStep.Json!.ToJsonString());
        Assert.Equal("""{"data":[]}""", otherRunsPlan.Json!.ToJsonString());
        Assert.Equal("""{"detail":"Run not found"}""", unknownRun.Json!.ToJsonString());
        Assert.Equal("""{"detail":"Mission not found"}""", otherOrg.Json!.ToJsonString());
        Assert.Equal("""{"detail":"Mission not found"}""", otherOrgAdd.Json!.ToJsonString());
        Assert.All(new[] { unknownStep, patchUnknown, otherRunsStep, unknownRun, otherOrg, otherOrgAdd },
            r => Assert.Equal(HttpStatusCode.NotFound, r.Status));
    }

    [Fact]
    public async Task Step_ids_with_control_characters_are_refused_and_event_keys_with_separators_stay_distinct()
    {
        var (run, _, _) = await Client.NewRunAsync();

        var (refused, _, _) = await Client.SendAsync(HttpMethod.Post, $"{run}/plan",
            """{"steps":[{"step_id":"a\u0001b","description":"with a separator","sequence":1}]}""");
        foreach (var step in new[] { "a", "a\\u0001b", "a\\u0002" })
        {
            await Client.SendAsync(HttpMethod.Post, $"{run}/events", $$"""{"type":"message","summary":"{{step}}","step_id":"{{step}}","idempotency_key":"{{step}}"}""");
        }
        var (_, plain, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events?step_id=a");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.Equal(["a"], plain!["data"]!.AsArray().Select(e => (string)e!["step_id"]!));
        Assert.Equal(1, (int)plain["meta"]!["total_results"]!);
        var (_, all, _) = await Client.SendAsync(HttpMethod.Get, $"{run}/events");
        Assert.Equal(3, (int)all!["meta"]!["total_results"]!); // three keys, three events
    }
}
