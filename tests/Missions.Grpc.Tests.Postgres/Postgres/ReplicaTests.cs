using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>Two server processes on one PostgreSQL database, as a load balancer would spread callers over replicas.</summary>
[Collection(ServerProcessCollection.Name)]
public sealed class ReplicaTests
{
    [Fact]
    public async Task Creates_racing_for_the_last_slots_through_two_replicas_store_exactly_the_quota()
    {
        using var db = new TempDatabase();
        var quota = new Dictionary<string, string> { ["Quotas:MaxMissionsPerOrganization"] = "10" };
        await using var a = await ServerProcess.StartAsync(db, settings: quota);
        await using var b = await ServerProcess.StartAsync(db, settings: quota);

        // 64 creates at once, half through each replica, for 10 slots: each replica's batch reads the organization's
        // counter under the organization's lock, after the other's batch committed.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
            (await (i % 2 == 0 ? a : b).Rest().SendAsync(HttpMethod.Post, "/v2/ai/missions", $$"""{"name":"racer {{i}}"}""")).Status));

        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(54, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        var (_, listed, _) = await a.Rest().SendAsync(HttpMethod.Get, "/v2/ai/missions?page[size]=100");
        Assert.Equal(10, (int)listed!["meta"]!["total_results"]!);
        Assert.Equal(10, listed["data"]!.AsArray().Count);
        Assert.Empty(a.ErrorLines().Concat(b.ErrorLines()));
    }

    [Fact]
    public async Task Writes_through_one_replica_are_read_listed_and_watched_through_the_other()
    {
        using var db = new TempDatabase();
        await using var a = await ServerProcess.StartAsync(db);
        await using var b = await ServerProcess.StartAsync(db);
        var restA = a.Rest();
        var restB = b.Rest();

        var missionId = await restA.NewMissionAsync("replicated");
        var (_, read, _) = await restB.SendAsync(HttpMethod.Get, $"/v2/ai/missions/{missionId}");
        var (_, listed, _) = await restB.SendAsync(HttpMethod.Get, "/v2/ai/missions");
        var runId = (string)(await restA.StartRunAsync(missionId))["run_id"]!;
        await restA.SendAsync(HttpMethod.Patch, $"/v2/ai/missions/{missionId}/runs/{runId}", """{"status":"running"}""");

        // A watcher on B, writes on A: every event, in order, once; the run's changes; the end on a final status.
        using var channel = GrpcChannel.ForAddress(b.GrpcUrl);
        using var watch = new RunWatchService.RunWatchServiceClient(channel).WatchRun(
            new WatchRunRequest { MissionId = missionId, RunId = runId }, Key(), DateTime.UtcNow.AddSeconds(60));
        var updates = new List<RunUpdate>();
        var received = Task.Run(async () =>
        {
            await foreach (var update in watch.ResponseStream.ReadAllAsync())
            {
                updates.Add(update);
            }
            return updates;
        });
        await Task.Delay(500); // the watcher is live
        for (var i = 0; i < 20; i++)
        {
            var (status, _, _) = await (i % 2 == 0 ? restA : restB).SendAsync(HttpMethod.Post, $"/v2/ai/missions/{missionId}/runs/{runId}/events",
                $$"""{"type":"message","summary":"e{{i}}"}""");
            Assert.Equal(HttpStatusCode.Created, status);
        }
        Assert.Equal(HttpStatusCode.OK, (await restA.SendAsync(HttpMethod.Post, $"/v2/ai/missions/{missionId}/runs/{runId}/pause")).Status);
        Assert.Equal(HttpStatusCode.OK, (await restB.SendAsync(HttpMethod.Post, $"/v2/ai/missions/{missionId}/runs/{runId}/resume")).Status);
        Assert.Equal(HttpStatusCode.OK, (await restA.SendAsync(HttpMethod.Patch, $"/v2/ai/missions/{missionId}/runs/{runId}", """{"status":"succeeded"}""")).Status);
        await received.WaitAsync(TimeSpan.FromSeconds(60)); // the stream ends on the final status

        Assert.Equal("replicated", (string?)read!["data"]!["name"]);
        Assert.Equal(missionId, (string?)listed!["data"]![0]!["mission_id"]);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"e{i}"), updates.Where(u => u.Event is not null).Select(u => u.Event.Summary));
        Assert.Equal(
            [MissionRun.Types.Status.Running, MissionRun.Types.Status.Paused, MissionRun.Types.Status.Running, MissionRun.Types.Status.Succeeded],
            updates.Where(u => u.Run is not null).Select(u => u.Run.Status));
        Assert.Empty(a.ErrorLines().Concat(b.ErrorLines()));
    }

    [Fact]
    public async Task Of_24_conflicting_transitions_split_across_two_replicas_exactly_one_wins()
    {
        using var db = new TempDatabase();
        await using var a = await ServerProcess.StartAsync(db);
        await using var b = await ServerProcess.StartAsync(db);
        var (path, _, _) = await a.Rest().NewRunAsync();
        await a.Rest().SendAsync(HttpMethod.Patch, path, """{"status":"running"}""");

        var requested = Enumerable.Range(0, 24).Select(i => i % 4 < 2 ? "succeeded" : "failed").ToArray();
        var answers = await Task.WhenAll(requested.Select((status, i) =>
            (i % 2 == 0 ? a : b).Rest().SendAsync(HttpMethod.Patch, path, $$"""{"status":"{{status}}"}""")));
        var (_, final, _) = await b.Rest().SendAsync(HttpMethod.Get, path);

        // One status wins; asking for the status the run already has is a no-op (200, the same run); the other is refused.
        var won = (string?)final!["data"]!["status"];
        Assert.Contains(won, requested);
        for (var i = 0; i < answers.Length; i++)
        {
            if (requested[i] == won)
            {
                Assert.Equal(HttpStatusCode.OK, answers[i].Status);
                Assert.Equal((string?)final["data"]!["finished_at"], (string?)answers[i].Json!["data"]!["finished_at"]);
                Assert.Equal((string?)final["data"]!["updated_at"], (string?)answers[i].Json!["data"]!["updated_at"]);
            }
            else
            {
                Assert.Equal(HttpStatusCode.Conflict, answers[i].Status);
                Assert.Contains($"'{won}'", (string)answers[i].Json!["detail"]!); // refused against the winner's result
            }
        }
    }

    [Fact]
    public async Task Thirty_two_identical_idempotent_events_across_two_replicas_store_one()
    {
        using var db = new TempDatabase();
        await using var a = await ServerProcess.StartAsync(db);
        await using var b = await ServerProcess.StartAsync(db);
        var (path, _, _) = await a.Rest().NewRunAsync();
        const string body = """{"type":"tool_call","summary":"once","idempotency_key":"k-1","payload":{"x":1,"y":[1,2]}}""";

        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => (i % 2 == 0 ? a : b).Rest().SendAsync(HttpMethod.Post, path + "/events", body)));
        var (_, list, _) = await a.Rest().SendAsync(HttpMethod.Get, path + "/events");

        Assert.All(answers, x => Assert.Equal(HttpStatusCode.Created, x.Status));
        Assert.Single(answers.Select(x => (string?)x.Json!["data"]!["event_id"]).Distinct());
        Assert.Equal(31, answers.Count(x => x.Response.Headers.TryGetValues("idempotent-replayed", out var v) && v.Single() == "true"));
        Assert.Equal(1, (int)list!["meta"]!["total_results"]!);
    }

    [Fact]
    public async Task One_idempotency_key_sent_to_two_replicas_at_once_stores_one_mission()
    {
        using var db = new TempDatabase();
        await using var a = await ServerProcess.StartAsync(db);
        await using var b = await ServerProcess.StartAsync(db);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
        {
            var (status, body, response) = await (i % 2 == 0 ? a : b).Rest().SendKeyedAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"once across replicas"}""", key);
            return (StatusCode: status, Body: body, Replayed: response.Replayed());
        }));
        var (_, list, _) = await b.Rest().SendAsync(HttpMethod.Get, RestCalls.Missions);

        Assert.All(answers, x => Assert.Equal(HttpStatusCode.Created, x.StatusCode));
        Assert.Single(answers.Select(x => x.Body).Distinct());
        Assert.Equal(31, answers.Count(x => x.Replayed));
        Assert.Equal(1, (int)list!["meta"]!["total_results"]!);
        Assert.Empty(a.ErrorLines());
        Assert.Empty(b.ErrorLines());
    }
}
