using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Postgres;
using Missions.Grpc.Storage.Writing.Commands;
using Missions.Grpc.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Postgres;

/// <summary>
/// What the database is asked, counted where it can be seen: the statements PostgreSQL logs for the service's sessions
/// (<c>log_statement=all</c>, for this test's application name only) and the round trips on the wire (a counting proxy).
/// A read is one prepared statement with no connection reset ahead of it; a batch of writes costs the same few round
/// trips whether it holds one write or sixteen.
/// </summary>
public sealed partial class StatementTests(StatementTests.Cluster cluster, ITestOutputHelper output) : IClassFixture<StatementTests.Cluster>
{
    private const string Org = "org";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A cluster of this class's own: its log holds only what these tests did.</summary>
    public sealed class Cluster : IDisposable
    {
        public PostgresCluster Server { get; } = PostgresCluster.CreatePrivate();

        public void Dispose() => Server.Dispose();
    }

    [Fact]
    public async Task A_mission_read_is_one_prepared_statement_with_no_connection_reset_with_or_without_attachments()
    {
        var application = "get-" + Guid.NewGuid().ToString("N")[..12];
        using var backend = Open(application, cluster.Server.Port);
        var plain = Guid.Parse((await backend.Missions.CreateMissionAsync(Mission("plain"))).Id);
        var equipped = Guid.Parse((await backend.Missions.CreateMissionAsync(Mission("equipped"))).Id);
        await backend.Attachments.CreateAttachmentAsync(Org, equipped, AttachmentKind.Tool, "crm", """{"name":"CRM"}""");
        await backend.Attachments.CreateAttachmentAsync(Org, equipped, AttachmentKind.McpServer, null, """{"url":"https://mcp.example.com"}""");
        for (var i = 0; i < 4; i++)
        {
            await backend.Attachments.GetMissionWithAttachmentsAsync(Org, plain); // the data source prepares what it runs twice
            await backend.Attachments.GetMissionWithAttachmentsAsync(Org, equipped);
        }

        foreach (var (id, attachments) in new[] { (plain, 0), (equipped, 2) })
        {
            var statements = await StatementsOfAsync(application, async () =>
            {
                var read = await backend.Attachments.GetMissionWithAttachmentsAsync(Org, id);
                Assert.Equal(attachments, read.Attachments.Values.Sum(items => items.Count));
            });
            output.WriteLine($"GET of a mission with {attachments} attachments: {string.Join(" | ", statements)}");
            var statement = Assert.Single(statements);
            Assert.DoesNotContain("<unnamed>", statement); // a prepared statement, executed by name
            Assert.StartsWith("execute ", statement);
        }
    }

    [Fact]
    public async Task A_mission_stats_read_is_one_prepared_statement_that_reads_the_window_along_the_missions_run_index()
    {
        var application = "stats-" + Guid.NewGuid().ToString("N")[..12];
        using var backend = Open(application, cluster.Server.Port);
        var mission = Guid.Parse((await backend.Missions.CreateMissionAsync(Mission("stats"))).Id);
        for (var i = 0; i < 5; i++)
        {
            await backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null));
        }
        for (var i = 0; i < 4; i++)
        {
            await backend.Runs.GetRunStatsAsync(Org, mission, 3); // the data source prepares what it runs twice
        }

        var statements = await StatementsOfAsync(application, async () => Assert.Equal(3, (await backend.Runs.GetRunStatsAsync(Org, mission, 3)).WindowRuns));

        output.WriteLine($"stats of a mission: {string.Join(" | ", statements)}");
        var statement = Assert.Single(statements);
        Assert.StartsWith("execute ", statement);
        Assert.DoesNotContain("<unnamed>", statement);
        Assert.Contains("FROM runs WHERE organization = $2 AND mission_id = $3 ORDER BY id DESC LIMIT $4", statement);
    }

    [Fact]
    public async Task A_batch_of_sixteen_creates_takes_two_round_trips_and_the_same_statements_as_a_batch_of_one()
    {
        var application = "batch-" + Guid.NewGuid().ToString("N")[..12];
        using var proxy = new RoundTripProxy(cluster.Server.Port);
        using var backend = Open(application, proxy.Port);
        var pipeline = PipelineBatches.Of(backend);
        for (var i = 0; i < 4; i++)
        {
            await backend.Missions.CreateMissionAsync(Mission($"warm-up {i}"));
        }

        var counted = new Dictionary<int, (int RoundTrips, IReadOnlyList<string> Statements)>();
        foreach (var size in new[] { 1, 16 })
        {
            List<Task<MissionDocument>> creates = [];
            var statements = await StatementsOfAsync(application, async () =>
            {
                proxy.Clear();
                creates = await PipelineBatches.OneBatchAsync(pipeline, Enumerable.Range(0, size).Select(i => new CreateMission(Mission($"batch of {size}: {i}"))));
                await Task.WhenAll(creates).WaitAsync(Timeout);
            });
            // Two transactions: the one that held the pipeline (an empty batch), then the creates'.
            var transactions = proxy.Transactions;
            Assert.Equal(2, transactions.Count);
            var creating = statements.SkipWhile(s => s != "statement: COMMIT").Skip(1).ToList();
            counted[size] = (transactions[1], creating);
            output.WriteLine($"A batch of {size} creates: {transactions[1]} round trips; statements: {string.Join(" | ", creating.Select(Shorten))}");
        }
        Assert.Equal(3, counted[16].RoundTrips); // load (quota lock and counters, BEGIN ahead), write, COMMIT
        Assert.Equal(counted[1].RoundTrips, counted[16].RoundTrips);
        Assert.Equal(counted[1].Statements.Select(Shorten), counted[16].Statements.Select(Shorten)); // the same statements, whatever the batch holds
        Assert.Single(counted[16].Statements, s => s.Contains("INSERT INTO missions", StringComparison.Ordinal)); // one statement for the sixteen rows
        Assert.Equal(4 + 1 + 16, (await backend.Missions.ListMissionsAsync(Org, 0, 1)).TotalResults);
    }

    [Fact]
    public async Task A_batch_of_sixteen_events_on_one_run_takes_three_round_trips()
    {
        var application = "events-" + Guid.NewGuid().ToString("N")[..12];
        using var proxy = new RoundTripProxy(cluster.Server.Port);
        using var backend = Open(application, proxy.Port);
        var pipeline = PipelineBatches.Of(backend);
        var mission = Guid.Parse((await backend.Missions.CreateMissionAsync(Mission("events"))).Id);
        var run = Guid.Parse((await backend.Runs.CreateRunAsync(Org, mission, new NewRun(null, null))).Id);

        proxy.Clear();
        var logged = await PipelineBatches.OneBatchAsync(pipeline,
            Enumerable.Range(0, 16).Select(i => new LogEvent(Org, mission, run, new NewEvent("message", $"event {i}", null, null, $"key-{i}", null))));
        await Task.WhenAll(logged).WaitAsync(Timeout);

        var transactions = proxy.Transactions;
        output.WriteLine($"A batch of 16 events on one run: {transactions[^1]} round trips");
        Assert.Equal(3, transactions[^1]); // load (the run, locked; the keys), write, COMMIT
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), (await Task.WhenAll(logged)).Select(e => e.Event.Sequence));
    }

    private static NewMission Mission(string name) => new(Org, name, null, null, null, "external", null);

    private PostgresBackend Open(string application, int port)
    {
        var connection = new NpgsqlConnectionStringBuilder(cluster.Server.ConnectionString("s_" + application.Replace('-', '_')))
        {
            Port = port,
            ApplicationName = application,
            Options = "-c log_statement=all",
        };
        return new PostgresBackend(
            Options.Create(new StorageOptions { Provider = "Postgres", Postgres = new PostgresOptions { ConnectionString = connection.ConnectionString } }),
            NullLogger<PostgresBackend>.Instance).Opened();
    }

    /// <summary>
    /// The statements PostgreSQL logged for <paramref name="application"/>'s sessions while <paramref name="act"/> ran: each
    /// as the log names it (<c>statement: …</c> for a simple query, <c>execute &lt;name&gt;: …</c> for an extended one).
    /// </summary>
    private async Task<List<string>> StatementsOfAsync(string application, Func<Task> act)
    {
        await Task.Delay(200); // what came before is in the log
        var start = new FileInfo(cluster.Server.LogPath).Length;
        await act();
        await Task.Delay(500);
        await using var log = new FileStream(cluster.Server.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(start, SeekOrigin.Begin);
        var text = await new StreamReader(log).ReadToEndAsync();
        return text.Split('\n')
            .Where(l => l.Contains($" {application}: LOG:  ", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("LOG:  ", StringComparison.Ordinal) + 6)..].Trim())
            .Where(l => l.StartsWith("statement: ", StringComparison.Ordinal) || l.StartsWith("execute ", StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>A statement without what varies between runs (a prepared statement's generated name).</summary>
    private static string Shorten(string statement) => PreparedName().Replace(statement, "execute: ");

    [GeneratedRegex(@"^execute [^:]+: ")]
    private static partial Regex PreparedName();
}
