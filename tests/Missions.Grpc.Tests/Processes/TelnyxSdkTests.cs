using System.Text.Json.Nodes;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Processes;

/// <summary>
/// The official Telnyx TypeScript SDK (npm telnyx, pinned in tests/sdk) pointed at the real server
/// with baseURL: what an SDK user gets, unchanged. npm packages are installed by the test itself.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class TelnyxSdkTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly NodeProject Sdk = new(Path.Combine("tests", "sdk"), "telnyx");

    [Fact]
    public async Task Sdk_creates_missions_and_sees_422_and_401_as_typed_errors()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db);
        var result = await RunHarnessAsync("create-mission.mjs", server);

        var full = result["full"]!["data"]!;
        Assert.Equal("sdk-full", (string?)full["name"]);
        Assert.Equal("managed", (string?)full["execution_mode"]);
        Assert.Equal("gpt-4o", (string?)full["model"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"nested":{"a":[1,"two",null]}}"""), full["metadata"]));
        Assert.True(Guid.TryParse((string?)full["mission_id"], out _));

        var minimal = result["minimal"]!["data"]!;
        Assert.Equal(Json.Sorted("mission_id", "name", "execution_mode", "created_at", "updated_at"), minimal.Keys());
        Assert.Equal("external", (string?)minimal["execution_mode"]);

        Assert.Equal("UnprocessableEntityError", (string?)result["invalid"]!["name"]);
        Assert.Equal(422, (int)result["invalid"]!["status"]!);
        var error = result["invalid"]!["error"]!["detail"]![0]!;
        Assert.Equal("string_type", (string?)error["type"]);
        Assert.Equal(["body", "name"], error.Loc());

        Assert.Equal("AuthenticationError", (string?)result["unauthorized"]!["name"]);
        Assert.Equal(401, (int)result["unauthorized"]!["status"]!);
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Sdk_pages_retrieves_updates_clones_and_deletes_missions()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db);
        var result = await RunHarnessAsync("missions-resource.mjs", server);

        // The auto-pager returns every mission exactly once, newest first.
        var created = result["created"]!.AsArray().Select(n => (string)n!).ToList();
        var listed = result["listed"]!.AsArray().Select(n => (string)n!).ToList();
        Assert.Equal(Enumerable.Reverse(created), listed);

        var retrieved = result["retrieved"]!["data"]!;
        Assert.Equal(created[0], (string?)retrieved["mission_id"]);
        Assert.Equal("paged-0", (string?)retrieved["name"]);
        Assert.Equal("[]", retrieved["tools"]!.ToJsonString());

        var updated = result["updated"]!["data"]!;
        Assert.Equal("paged-0", (string?)updated["name"]);
        Assert.Equal("updated by the SDK", (string?)updated["description"]);
        Assert.Equal("""{"v":2}""", updated["metadata"]!.ToJsonString());

        var cloned = result["cloned"]!["data"]!;
        Assert.NotEqual(created[0], (string?)cloned["mission_id"]);
        Assert.Equal("updated by the SDK", (string?)cloned["description"]);

        Assert.Null(result["deleted"]);
        Assert.Equal("NotFoundError", (string?)result["afterDelete"]!["name"]);
        Assert.Equal(404, (int)result["afterDelete"]!["status"]!);
        Assert.Equal("""{"detail":"Mission not found"}""", result["afterDelete"]!["error"]!.ToJsonString());
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Sdk_drives_a_run_through_its_lifecycle_and_409s_are_not_retried()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db);
        var result = await RunHarnessAsync("runs.mjs", server);

        var bare = result["bare"]!;
        Assert.Equal(Json.Sorted("run_id", "mission_id", "status", "started_at", "updated_at"), bare.Keys());
        Assert.Equal("pending", (string?)bare["status"]);
        var started = result["started"]!;
        Assert.Equal("Summarize yesterday's failed call attempts", (string?)started["input"]!["objective"]);
        Assert.Equal("""{"requested_by":"sdk"}""", started["metadata"]!.ToJsonString());

        var steps = result["steps"]!.AsArray();
        Assert.Equal(["running", "paused", "running", "succeeded"], steps.Select(s => (string)s!["status"]!));
        Assert.All(steps.Take(3), s => Assert.Null(s!["finished_at"]));
        var finished = steps[3]!;
        Assert.Equal((string?)finished["updated_at"], (string?)finished["finished_at"]);
        Assert.Equal("Processed 24 customer records successfully.", (string?)finished["result_summary"]);
        Assert.Equal("""{"processed":24}""", finished["result_payload"]!.ToJsonString());
        Assert.Equal(finished.ToJsonString(), result["retrieved"]!.ToJsonString());

        foreach (var (name, error) in result["forbidden"]!.AsObject())
        {
            Assert.Equal("ConflictError", (string?)error!["name"]);
            Assert.Equal(409, (int)error["status"]!);
            Assert.StartsWith("Cannot ", (string)error["error"]!["detail"]!);
        }
        Assert.Equal(4, (int)result["forbiddenRequests"]!); // four calls, four requests: no retries
        Assert.Equal("cancelled", (string?)result["cancelled"]!["status"]);

        var created = result["created"]!.AsArray().Select(n => (string)n!).ToList();
        Assert.Equal(Enumerable.Reverse(created), result["listed"]!.AsArray().Select(n => (string)n!));
        Assert.Equal([created[1]], result["succeeded"]!.AsArray().Select(n => (string)n!));
        Assert.Equal([created[0]], result["cancelledList"]!.AsArray().Select(n => (string)n!));

        Assert.Equal("NotFoundError", (string?)result["wrongMission"]!["name"]);
        Assert.Equal("""{"detail":"Run not found"}""", result["wrongMission"]!["error"]!.ToJsonString());
        Assert.Equal("UnprocessableEntityError", (string?)result["badStatus"]!["name"]);
        Assert.Equal(["query", "status"], result["badStatus"]!["error"]!["detail"]![0]!.Loc());
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Sdk_records_a_whole_run_while_a_grpc_client_watches_every_change_live_in_order()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db);
        using var rest = new HttpClient { BaseAddress = new Uri(server.RestUrl) };
        rest.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestKeys.KeyA);
        var missionId = await rest.NewMissionAsync("recorded by the SDK");
        var runId = (string)(await rest.StartRunAsync(missionId))["run_id"]!;

        // The second client: a gRPC watch from before the first change to the end of the run.
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(server.GrpcUrl);
        var watchClient = new Missions.Grpc.V1.RunWatchService.RunWatchServiceClient(channel);
        using var watch = watchClient.WatchRun(new Missions.Grpc.V1.WatchRunRequest { MissionId = missionId, RunId = runId },
            GrpcCalls.Key(), DateTime.UtcNow.AddMinutes(2));
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal(Missions.Grpc.V1.MissionRun.Types.Status.Pending, watch.ResponseStream.Current.Run.Status);
        var watched = new List<Missions.Grpc.V1.RunUpdate>();
        var reading = Task.Run(async () =>
        {
            while (await watch.ResponseStream.MoveNext())
            {
                watched.Add(watch.ResponseStream.Current);
            }
        });

        var result = await RunHarnessAsync("run-records.mjs", server, new() { ["MISSION_ID"] = missionId, ["RUN_ID"] = runId });
        await reading.WaitAsync(TimeSpan.FromSeconds(30));

        // Plan: created in request order, pending, sequence 0 written; the rules' refusals.
        Assert.Equal(["collect", "classify"], result["plan"]!.AsArray().Select(s => (string)s!["step_id"]!));
        Assert.Equal(0, (int)result["plan"]![0]!["sequence"]!);
        Assert.Equal("classify", (string?)result["added"]![0]!["parent_step_id"]);
        Assert.Equal((409, "ConflictError"), ((int)result["secondPlan"]!["status"]!, (string)result["secondPlan"]!["name"]!));
        Assert.Equal(409, (int)result["duplicateStep"]!["status"]!);
        Assert.Equal(422, (int)result["badParent"]!["status"]!);
        Assert.Equal(["body", "steps", "1", "parent_step_id"], result["badParent"]!["error"]!["detail"]![0]!.Loc());
        Assert.Equal(["collect", "classify", "classify.retry"], result["finalPlan"]!.AsArray().Select(s => (string)s!["step_id"]!));
        Assert.All(result["finalPlan"]!.AsArray(), s => Assert.Equal("completed", (string?)s!["status"]));
        Assert.NotNull((string?)result["step"]!["started_at"]);
        Assert.NotNull((string?)result["step"]!["completed_at"]);

        // Events: 10 stored, the retry replayed, the reused key refused, one request each.
        var events = result["events"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Equal(10, events.Count);
        Assert.Equal(result["original"]!.ToJsonString(), result["replay"]!.ToJsonString());
        Assert.Equal(409, (int)result["reused"]!["status"]!);
        Assert.Equal(3, (int)result["keyedRequests"]!);
        Assert.Equal(events, result["listed"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(["collect tool", "classify tool", "classify.retry tool"], result["toolCalls"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(["classify started", "classify done"], result["ofClassify"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(events[0], (string?)result["details"]!["event_id"]);
        Assert.Equal(["classify.retry done", "classify done", "collect done"], result["feed"]!.AsArray().Select(e => (string)e!));

        // Agents.
        Assert.Equal("agent-1", (string?)result["linked"]!["telnyx_agent_id"]);
        Assert.Equal(409, (int)result["duplicateLink"]!["status"]!);
        Assert.Null(result["unlinked"]);
        Assert.Equal(["agent-1"], result["agents"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(404, (int)result["unlinkAgain"]!["status"]!);
        Assert.Equal("succeeded", (string?)result["finished"]!["status"]);

        // The watcher saw every event once in order, every step change in order, and the run end.
        Assert.Equal(events, watched.Where(u => u.Event is not null).Select(u => u.Event.EventId));
        var stepChanges = watched.Where(u => u.Step is not null).Select(u => $"{u.Step.StepId}:{u.Step.Status}").ToList();
        Assert.Equal(
            ["collect:Pending", "classify:Pending", "classify.retry:Pending",
             "collect:InProgress", "collect:Completed", "classify:InProgress", "classify:Completed",
             "classify.retry:InProgress", "classify.retry:Completed"],
            stepChanges);
        var runStates = watched.Where(u => u.Run is not null).Select(u => u.Run.Status.ToString()).ToList();
        Assert.Equal(["Running", "Succeeded"], runStates);
        Assert.Equal("all classified", watched[^1].Run.ResultSummary);
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Sdk_runs_all_fifteen_attachment_operations()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db);
        var result = await RunHarnessAsync("attachments.mjs", server);
        var missionId = (string)result["missionId"]!;

        foreach (var (kind, idKey, noun) in new[] { ("tools", "tool_id", "Tool"), ("knowledgeBases", "knowledge_base_id", "Knowledge base"), ("mcpServers", "mcp_server_id", "MCP server") })
        {
            var r = result["results"]![kind]!;
            Assert.Equal(idKey, (string?)r["idKey"]);
            Assert.Equal(Json.Sorted(idKey, "mission_id", "created_at", "updated_at"), r["bare"]!.Keys());
            Assert.Equal(missionId, (string?)r["bare"]!["mission_id"]);
            var id = (string)r["defined"]![idKey]!;
            Assert.Equal("""{"level":1}""", r["defined"]!["config"]!.ToJsonString());
            Assert.Equal([(string)r["bare"]![idKey]!, id], r["listed"]!["data"]!.AsArray().Select(i => (string)i![idKey]!));
            Assert.Equal(r["defined"]!.ToJsonString(), r["got"]!.ToJsonString());
            Assert.Equal(Json.Sorted(idKey, "mission_id", "created_at", "updated_at"), r["updatedNoBody"]!.Keys());
            Assert.Equal($"{kind} two", (string?)r["updated"]!["name"]);
            Assert.Null(r["updated"]!["config"]);
            Assert.Equal((string?)r["defined"]!["created_at"], (string?)r["updated"]!["created_at"]);
            Assert.Null(r["removed"]);
            Assert.Equal("NotFoundError", (string?)r["afterDelete"]!["name"]);
            Assert.Equal($$"""{"detail":"{{noun}} not found"}""", r["afterDelete"]!["error"]!.ToJsonString());
        }
        var retrieved = result["retrieved"]!;
        Assert.Single(retrieved["tools"]!.AsArray());
        Assert.Single(retrieved["knowledge_bases"]!.AsArray());
        Assert.Single(retrieved["mcp_servers"]!.AsArray());
        var cloned = result["cloned"]!;
        Assert.NotEqual(missionId, (string?)cloned["mission_id"]);
        Assert.Single(cloned["tools"]!.AsArray());
        Assert.NotEqual((string?)retrieved["tools"]![0]!["tool_id"], (string?)cloned["tools"]![0]!["tool_id"]);
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task Sdk_full_surface_suite_passes_all_41_operations()
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db);
        var result = await RunHarnessAsync("full-surface.mjs", server);

        output.WriteLine((string)result["summary"]!);
        Assert.Equal(41, result["operations"]!.AsArray().Count);
        Assert.StartsWith("SDK full surface: 41/41 operations passed", (string?)result["summary"]);
        Assert.Empty(server.ErrorLines());
    }

    [Fact]
    public async Task A_receiver_written_with_the_sdk_verifies_every_event_of_a_run_and_refuses_a_tampered_or_stale_one()
    {
        using var db = new TempDatabase();
        var seed = Missions.Grpc.Webhooks.WebhookSigner.NewSeed();
        await using var server = await ServerProcess.StartAsync(db, settings: new Dictionary<string, string>
        {
            ["Webhooks:SigningKey"] = Convert.ToBase64String(seed),
            ["Webhooks:AllowHttp"] = "true", // the receiver listens on loopback, over http
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Webhooks:PollInterval"] = "00:00:00.05",
        });
        using var signer = new Missions.Grpc.Webhooks.WebhookSigner(seed);
        var staleBody = """{"data":{"record_type":"event","id":"00000000-0000-0000-0000-000000000000","event_type":"webhook.test"},"meta":{"attempt":1}}""";
        var staleAt = Missions.Grpc.Webhooks.WebhookSigner.Timestamp(DateTimeOffset.UtcNow.AddMinutes(-10));
        var stale = new JsonObject
        {
            ["body"] = staleBody,
            ["headers"] = new JsonObject
            {
                ["content-type"] = "application/json",
                ["telnyx-timestamp"] = staleAt,
                ["telnyx-signature-ed25519"] = signer.Sign(staleAt, System.Text.Encoding.UTF8.GetBytes(staleBody)),
            },
        };

        var result = await RunHarnessAsync("webhooks.mjs", server, new Dictionary<string, string> { ["WEBHOOK_STALE_CASE"] = stale.ToJsonString() });

        Assert.Equal(201, (int)result["created"]!);
        Assert.Equal(signer.PublicKeyBase64, (string)result["publicKey"]!);
        var events = result["events"]!.AsArray().Select(e => e!).OrderBy(e => (long)e["change_number"]!).ToList();
        string[] expected =
        [
            "mission_run.created", "mission_run.status_changed", "mission_run.plan_updated", "mission_run.plan_updated", "mission_run.event_logged",
            "mission_run.status_changed", "mission_run.paused", "mission_run.status_changed", "mission_run.plan_updated",
            "mission_run.status_changed", "mission_run.succeeded",
        ];
        Assert.Equal(expected.Order(), events.Select(e => (string)e["event_type"]!).Order()); // every one arrived, and verified
        Assert.All(events, e =>
        {
            Assert.Equal("event", (string)e["record_type"]!);
            Assert.Equal(1, (int)e["attempt"]!);
            Assert.Equal((string)result["receiverUrl"]!, (string)e["delivered_to"]!);
        });
        Assert.Equal(events.Count, events.Select(e => (string)e["id"]!).Distinct().Count());
        var final = events.Last(e => (string)e["event_type"]! == "mission_run.succeeded")["payload"]!;
        Assert.Equal(("succeeded", "done", (string)result["runId"]!), ((string)final["status"]!, (string)final["result_summary"]!, (string)final["run_id"]!));
        // The change numbers order them: strictly increasing but for an outcome, which shares its status change's number.
        Assert.Equal(events.Count - 2, events.Select(e => (long)e["change_number"]!).Distinct().Count());

        Assert.Equal(400, (int)result["tampered"]!["status"]!);
        Assert.Contains("signature", (string)result["tampered"]!["refusal"]!);
        Assert.Equal(400, (int)result["stale"]!["status"]!);
        Assert.Contains("too old or too new", (string)result["stale"]!["refusal"]!);
        Assert.Empty(server.ErrorLines());
    }

    /// <summary>Runs a harness script of tests/sdk against <paramref name="server"/>; its one JSON result.</summary>
    private static Task<JsonNode> RunHarnessAsync(string script, ServerProcess server, Dictionary<string, string>? env = null) =>
        RunHarnessAsync(script, server.RestUrl, env);

    /// <summary>
    /// Runs a harness script of tests/sdk against the server at <paramref name="baseUrl"/> (scheme, host and port; e.g. an
    /// HTTPS endpoint), with <paramref name="env"/> added to its environment; its one JSON result.
    /// </summary>
    internal static async Task<JsonNode> RunHarnessAsync(string script, string baseUrl, Dictionary<string, string>? env = null)
    {
        await Sdk.EnsureInstalledAsync();
        var variables = new Dictionary<string, string>(env ?? [])
        {
            ["MISSIONS_BASE_URL"] = $"{baseUrl}/v2",
            ["MISSIONS_API_KEY"] = TestKeys.KeyA,
        };
        var (exitCode, stdout, stderr) = await Sdk.RunAsync("node", [script], variables);
        Assert.True(exitCode == 0, $"SDK harness {script} failed ({exitCode}):\n{stderr}\n{stdout}");
        return JsonNode.Parse(stdout)!;
    }
}
