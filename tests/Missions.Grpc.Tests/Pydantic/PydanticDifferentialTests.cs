using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Pydantic;

/// <summary>
/// The REST face against pydantic itself. Requests generated from the contract (<see cref="PydanticCases"/>) and
/// pydantic's answers to them (through FastAPI's request handling, <c>tests/pydantic/oracle.py</c>) are kept in
/// <c>tests/pydantic/corpus.jsonl</c>: replaying it needs no Python. Each answer is compared by status and by the set of
/// <c>(type, loc)</c> of its 422 problems, and by their <c>msg</c> where pydantic's text is stable; every difference must
/// be one of the departures listed in <c>tests/pydantic/departures.json</c> (and docs/api.md). Where python3 has
/// pydantic 2, the committed corpus is checked to be still what pydantic answers, and a fresh batch of another seed is
/// compared live. <c>scripts/pydantic-corpus.sh</c> records the corpus again.
/// </summary>
public sealed class PydanticDifferentialTests(ITestOutputHelper output)
{
    private const string CorpusSeed = "0pydanticCorpus1";
    private const int CorpusSize = 2500;
    private const string LiveSeed = "0pydanticLive2";
    private const int LiveSize = 800;

    [Fact]
    public async Task Committed_corpus_answers_as_pydantic_did()
    {
        var corpus = ReadCorpus();
        Assert.True(corpus.Count >= CorpusSize, $"the corpus holds {corpus.Count} cases");
        await CompareAsync(corpus, "corpus");
    }

    [Fact]
    public async Task A_fresh_batch_answers_as_live_pydantic_does()
    {
        if (PydanticOracle.Version(out var why) is null)
        {
            output.WriteLine($"pydantic 2 is not installed here ({why}): only the committed corpus is compared");
            return;
        }
        // scripts/pydantic-live.sh runs a longer batch: PYDANTIC_LIVE_CASES and PYDANTIC_LIVE_SEED.
        var size = int.TryParse(Environment.GetEnvironmentVariable("PYDANTIC_LIVE_CASES"), out var cases) ? cases : LiveSize;
        var seed = Environment.GetEnvironmentVariable("PYDANTIC_LIVE_SEED") is { Length: > 0 } chosen ? chosen : LiveSeed;
        output.WriteLine($"live batch: {size} cases, seed {seed}");
        var requests = Generate(seed, size);
        var answers = PydanticOracle.Ask(requests);
        await CompareAsync(requests.Zip(answers).ToList(), "live");
    }

    /// <summary>The corpus is what the generator and pydantic give today: regenerated with PYDANTIC_CORPUS_WRITE=1.</summary>
    [Fact]
    public void Committed_corpus_is_what_the_generator_and_pydantic_give()
    {
        if (PydanticOracle.Version(out var version) is null)
        {
            output.WriteLine($"pydantic 2 is not installed here ({version}): the corpus cannot be checked against it");
            return;
        }
        var requests = Generate(CorpusSeed, CorpusSize);
        var answers = PydanticOracle.Ask(requests);
        var lines = new List<string>
        {
            new JsonObject { ["corpus"] = "REST requests and pydantic's answers; regenerate with scripts/pydantic-corpus.sh", ["pydantic"] = version, ["seed"] = CorpusSeed, ["cases"] = CorpusSize }.ToJsonString(),
        };
        lines.AddRange(requests.Zip(answers).Select(pair =>
        {
            var line = pair.First.ToJson();
            line["answer"] = pair.Second.ToJson();
            return line.ToJsonString();
        }));
        if (Environment.GetEnvironmentVariable("PYDANTIC_CORPUS_WRITE") == "1")
        {
            File.WriteAllText(PydanticOracle.CorpusFile, string.Join("\n", lines) + "\n");
            output.WriteLine($"wrote {requests.Count} cases to {PydanticOracle.CorpusFile}");
            return;
        }
        var committed = File.ReadAllLines(PydanticOracle.CorpusFile);
        Assert.True(committed.Length == lines.Count, $"the corpus has {committed.Length} lines, the generator gives {lines.Count}: run scripts/pydantic-corpus.sh");
        var stale = Enumerable.Range(1, lines.Count - 1).Where(i => committed[i] != lines[i]).ToList();
        Assert.True(stale.Count == 0, $"{stale.Count} corpus lines differ from what the generator and pydantic give now (first: line {stale.FirstOrDefault() + 1}): run scripts/pydantic-corpus.sh");
    }

    private static List<PydanticRequest> Generate(string seed, int count) =>
        PydanticCases.Requests.Array[count].Generate(PCG.Parse(seed), null, out _).ToList();

    private static List<(PydanticRequest, PydanticAnswer)> ReadCorpus() =>
        File.ReadLines(PydanticOracle.CorpusFile).Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => JsonNode.Parse(line)!)
            .Select(json => (PydanticRequest.FromJson(json), PydanticAnswer.From((int)json["answer"]!["status"]!, json["answer"])))
            .ToList();

    private async Task CompareAsync(List<(PydanticRequest Request, PydanticAnswer Theirs)> cases, string name)
    {
        var departures = PydanticDepartures.Load();
        await using var app = new MissionsApp();
        using var client = app.Rest();
        var ids = await FixtureAsync(client);
        var failures = new List<string>();
        var same = 0;
        foreach (var (request, theirs) in cases)
        {
            var ours = await SendAsync(client, request, ids);
            if (ours.Status >= 500)
            {
                failures.Add($"{request}\n    => {ours.Status} (pydantic: {theirs})");
                continue;
            }
            var difference = departures.Compare(request, theirs, ours);
            if (difference is null)
            {
                same += ours.Status == theirs.Status ? 1 : 0;
                continue;
            }
            failures.Add($"{request}\n    pydantic: {theirs}\n    ours:     {ours}\n    {difference}");
        }
        output.WriteLine($"pydantic differential ({name}): {cases.Count} cases compared, {cases.Count - failures.Count} as pydantic or a listed departure " +
            $"({same} with pydantic's status), {failures.Count} not");
        output.WriteLine("departures used: " + string.Join(", ", departures.Used.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        output.WriteLine("kinds: " + string.Join(", ", cases.GroupBy(c => c.Request.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));
        foreach (var failure in failures.Take(5000))
        {
            output.WriteLine(failure);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} answers differ from pydantic's beyond the listed departures (see the output)");
    }

    /// <summary>The ids the placeholders stand for: a mission, its run and a step of the run's plan.</summary>
    private static async Task<Dictionary<string, string>> FixtureAsync(HttpClient client)
    {
        var (path, mission, run) = await client.NewRunAsync();
        var (status, _, _) = await client.SendAsync(HttpMethod.Post, path + "/plan",
            """{"steps":[{"step_id":"step-1","description":"first","sequence":1}]}""");
        Assert.Equal(System.Net.HttpStatusCode.Created, status);
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["mission_id"] = mission, ["run_id"] = run, ["step_id"] = "step-1" };
    }

    private static async Task<PydanticAnswer> SendAsync(HttpClient client, PydanticRequest request, IReadOnlyDictionary<string, string> ids)
    {
        var target = request.Resolve(ids) + (request.Query.Length > 0 ? "?" + request.Query : "");
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(target, UriKind.Relative));
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }
        using var response = await client.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            body = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 4096 });
        }
        return PydanticAnswer.From((int)response.StatusCode, body);
    }
}
