using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Missions.Grpc.Tests.Pydantic;

/// <summary>
/// The departures from FastAPI/pydantic the REST face keeps on purpose (<c>tests/pydantic/departures.json</c>, the same
/// list as docs/api.md's table), and the comparison of an answer with pydantic's that they explain. Anything they do not
/// explain is a failure. An entry matches a problem only one side reports (<c>ours</c>, <c>theirs</c>: type and loc), our
/// whole answer (<c>ours_detail</c>: the detail of a non-422 error), or a generated request kind (<c>kind</c>).
/// </summary>
internal sealed class PydanticDepartures
{
    private readonly List<Departure> _departures;
    private readonly Dictionary<string, string> _unstableMessages;

    private PydanticDepartures(List<Departure> departures, Dictionary<string, string> unstableMessages)
    {
        _departures = departures;
        _unstableMessages = unstableMessages;
    }

    /// <summary>How many differences each departure explained.</summary>
    public Dictionary<string, int> Used { get; } = [];

    public static PydanticDepartures Load()
    {
        var json = JsonNode.Parse(File.ReadAllText(PydanticOracle.DeparturesFile))!;
        var departures = json["departures"]!.AsArray().Select(d => new Departure(
            (string)d!["id"]!, (string)d["reason"]!, (string?)d["kind"],
            Pattern.From(d["ours"]), Pattern.From(d["theirs"]),
            d["ours_detail"] is { } detail ? new Regex((string)detail!, RegexOptions.CultureInvariant) : null)).ToList();
        var unstable = json["unstable_messages"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!);
        return new PydanticDepartures(departures, unstable);
    }

    /// <summary>Null when <paramref name="ours"/> answers as <paramref name="theirs"/> does, or differs only as a departure says; else why not.</summary>
    public string? Compare(PydanticRequest request, PydanticAnswer theirs, PydanticAnswer ours)
    {
        if (!Same(theirs, ours)
            && _departures.FirstOrDefault(d => (d.Kind is not null && d.Kind == request.Kind) || (ours.Detail is not null && d.OursDetail?.IsMatch(ours.Detail) == true)) is { } whole)
        {
            Use(whole.Id);
            return null;
        }
        if (theirs.IsSuccess)
        {
            if (ours.Status == theirs.Status || ours.Status is 404 or 409)
            {
                return null; // accepted, as by FastAPI; what the handler then answers (not found, conflict) is the service's
            }
            return ours.Status == 422 ? Explain(ours.Problems, [], request) : $"pydantic accepts ({theirs.Status}); ours {ours}";
        }
        if (theirs.Status != 422)
        {
            return ours.Status == theirs.Status && ours.Detail == theirs.Detail ? null : $"FastAPI answers {theirs}; ours {ours}";
        }
        if (ours.Status != 422)
        {
            return ours.IsSuccess || ours.Status is 404 or 409
                ? Explain([], theirs.Problems, request) ?? null
                : $"pydantic answers {theirs}; ours {ours}";
        }
        var theirKeys = theirs.Problems.Select(p => p.Key).ToHashSet();
        var ourKeys = ours.Problems.Select(p => p.Key).ToHashSet();
        var messages = ours.Problems
            .Where(p => theirKeys.Contains(p.Key) && !_unstableMessages.ContainsKey(p.Type))
            .Select(p => (Ours: p, Theirs: theirs.Problems.First(t => t.Key == p.Key)))
            .Where(pair => pair.Ours.Msg != pair.Theirs.Msg)
            .Select(pair => $"{pair.Ours.Type} at {pair.Ours.Loc}: msg \"{pair.Ours.Msg}\", pydantic \"{pair.Theirs.Msg}\"")
            .ToList();
        var explained = Explain(ours.Problems.Where(p => !theirKeys.Contains(p.Key)).ToList(),
            theirs.Problems.Where(p => !ourKeys.Contains(p.Key)).ToList(), request);
        return messages.Count == 0 ? explained : string.Join("; ", messages) + (explained is null ? "" : "; " + explained);
    }

    /// <summary>Null when every problem only we report and every one only pydantic reports is a departure's.</summary>
    private string? Explain(IReadOnlyList<PydanticProblem> onlyOurs, IReadOnlyList<PydanticProblem> onlyTheirs, PydanticRequest request)
    {
        var unexplained = new List<string>();
        foreach (var problem in onlyOurs)
        {
            if (_departures.FirstOrDefault(d => d.Ours?.Matches(problem) == true) is { } departure)
            {
                Use(departure.Id);
            }
            else
            {
                unexplained.Add($"only ours: {problem}");
            }
        }
        foreach (var problem in onlyTheirs)
        {
            if (_departures.FirstOrDefault(d => d.Theirs?.Matches(problem) == true) is { } departure)
            {
                Use(departure.Id);
            }
            else
            {
                unexplained.Add($"only pydantic: {problem}");
            }
        }
        return unexplained.Count == 0 ? null : string.Join("; ", unexplained);
    }

    private static bool Same(PydanticAnswer a, PydanticAnswer b) =>
        a.Status == b.Status && a.Detail == b.Detail && a.Problems.Select(p => p.Key).ToHashSet().SetEquals(b.Problems.Select(p => p.Key));

    private void Use(string id) => Used[id] = Used.GetValueOrDefault(id) + 1;

    private sealed record Departure(string Id, string Reason, string? Kind, Pattern? Ours, Pattern? Theirs, Regex? OursDetail);

    /// <summary>A problem's type, and optionally a regular expression its compact JSON <c>loc</c> must match.</summary>
    private sealed record Pattern(string Type, Regex? Loc)
    {
        public static Pattern? From(JsonNode? json) => json is null
            ? null
            : new Pattern((string)json["type"]!, json["loc"] is { } loc ? new Regex((string)loc!, RegexOptions.CultureInvariant) : null);

        public bool Matches(PydanticProblem problem) => Type.Split('|').Contains(problem.Type) && (Loc is null || Loc.IsMatch(problem.Loc));
    }
}
