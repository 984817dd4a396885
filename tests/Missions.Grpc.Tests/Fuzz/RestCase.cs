using CsCheck;
using static Missions.Grpc.Tests.Fuzz.FuzzGenerators;
using static Missions.Grpc.Tests.Fuzz.FuzzOracle;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>A REST request: one of a route's, or a random path.</summary>
internal sealed record RestCase(string Route, bool Watch, string Verb, string Path, string Query, string? Body, int BadByteAt,
    string? ContentType, string? Authorization, (string Name, string Value)[] Headers)
{
    private static readonly Gen<string> Verbs = Gen.OneOf("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE");

    public static Gen<RestCase> Cases(IReadOnlyList<FuzzRoute> routes)
    {
        var perRoute = routes.Select(r => PathFor(r).Select(QueryFor(r), BodyFor(r),
            CsCheck.Gen.Frequency((19, CsCheck.Gen.Const(r.Verb)), (1, Verbs)),
            CsCheck.Gen.Frequency((40, CsCheck.Gen.Const(-1)), (1, CsCheck.Gen.Int[0, 100_000])),
            GenContentType, GenAuthorization, GenHeaders,
            (path, query, body, verb, bad, type, auth, headers) => new RestCase(r.ToString(), r.IsWatch, verb, path, query, body, bad, type, auth, headers))).ToArray();
        var randomSegment = CsCheck.Gen.OneOf(Word, UuidValid, CsCheck.Gen.OneOf(PercentOddities), CsCheck.Gen.OneOf("runs", "events", "plan", "steps", "tools", "clone"));
        var randomPath = randomSegment.Array[0, 6].Select(Verbs, BodyFor(routes[0]), GenAuthorization, (segments, verb, body, auth) =>
            new RestCase("(random path)", false, verb, "/v2/ai/missions/" + string.Join("/", segments), "", body, -1, "application/json", auth, []));
        return CsCheck.Gen.Frequency(
            (24, CsCheck.Gen.Int[0, perRoute.Length - 1].SelectMany(i => perRoute[i])),
            (1, randomPath));
    }

    public override string ToString() =>
        $"{Verb} {Clip(Path + Query, 400)} [route {Route}] auth={Clip(Authorization ?? "(none)", 60)} content-type={ContentType ?? "(none)"}" +
        (Headers.Length > 0 ? " headers=" + string.Join("; ", Headers.Select(h => $"{h.Name}: {h.Value}")) : "") +
        (BadByteAt >= 0 ? $" (0xFF inserted at byte {BadByteAt} mod length)" : "") +
        $" body={(Body is null ? "(none)" : Clip(Body, 600))}";
}
