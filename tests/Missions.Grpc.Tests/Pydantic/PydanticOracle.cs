using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Pydantic;

/// <summary>pydantic v2 behind FastAPI's request handling (<c>tests/pydantic/oracle.py</c>), run by <c>python3</c>.</summary>
internal static class PydanticOracle
{
    public static string Folder { get; } = Path.Combine(ServerProcess.RepoRoot, "tests", "pydantic");

    public static string CorpusFile { get; } = Path.Combine(Folder, "corpus.jsonl");

    public static string DeparturesFile { get; } = Path.Combine(Folder, "departures.json");

    private static string Spec { get; } = Path.Combine(ServerProcess.RepoRoot, "tests", "contract", "missions.openapi.yaml");

    /// <summary>pydantic's version when python3 has pydantic 2 (and PyYAML), else null with <paramref name="why"/>.</summary>
    public static string? Version(out string why)
    {
        try
        {
            var (code, output) = Run(["-c", "import pydantic, yaml; print(pydantic.VERSION)"], "");
            why = output.Trim();
            return code == 0 && why.StartsWith("2.", StringComparison.Ordinal) ? why : null;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            why = "python3: " + error.Message;
            return null;
        }
    }

    /// <summary>pydantic's answer to each request, in order.</summary>
    public static List<PydanticAnswer> Ask(IReadOnlyList<PydanticRequest> requests)
    {
        var input = new StringBuilder();
        foreach (var request in requests)
        {
            input.Append(request.ToOracle().ToJsonString()).Append('\n');
        }
        var (code, output) = Run([Path.Combine(Folder, "oracle.py"), Spec], input.ToString());
        if (code != 0)
        {
            throw new InvalidOperationException($"the oracle failed ({code}): {output}");
        }
        var answers = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!)
            .Select(json => PydanticAnswer.From((int)json["status"]!, json))
            .ToList();
        if (answers.Count != requests.Count)
        {
            throw new InvalidOperationException($"the oracle answered {answers.Count} of {requests.Count} requests");
        }
        return answers;
    }

    private static (int Code, string Output) Run(string[] arguments, string input)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the oracle did not answer within 2 minutes");
        }
        return (process.ExitCode, process.ExitCode == 0 ? stdout.Result : stderr.Result + stdout.Result);
    }
}
