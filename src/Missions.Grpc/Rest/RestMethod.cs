using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Google.Api;
using Google.Protobuf.Reflection;
using Missions.Grpc.V1;

namespace Missions.Grpc.Rest;

/// <summary>
/// Everything the REST layer needs to know about one transcoded method, read from its descriptor:
/// the http rule, the declared <c>(missions.v1.rest)</c> rule (success status, body required),
/// and which request fields are bound from the route.
/// </summary>
internal sealed partial class RestMethod
{
    private static readonly ConcurrentDictionary<MethodDescriptor, RestMethod> Cache = new();

    private RestMethod(MethodDescriptor method, HttpRule http)
    {
        Method = method;
        Http = http;
        var rule = method.GetOptions()?.GetExtension(RestExtensions.Rest) ?? new RestRule();
        SuccessStatus = rule.SuccessStatus == 0 ? StatusCodes.Status200OK : rule.SuccessStatus;
        BodyRequired = rule.BodyRequired;
        var template = http.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => http.Get,
            HttpRule.PatternOneofCase.Post => http.Post,
            HttpRule.PatternOneofCase.Put => http.Put,
            HttpRule.PatternOneofCase.Patch => http.Patch,
            HttpRule.PatternOneofCase.Delete => http.Delete,
            _ => http.Custom?.Path ?? "",
        };
        RouteFields = RouteVariable().Matches(template).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var segments = template.Split('/');
        SegmentCount = segments.Length;
        VariableSegments = segments
            .Select((segment, index) => (Match: RouteVariable().Match(segment), Index: index))
            .Where(s => s.Match.Success && s.Match.Value == segments[s.Index])
            .ToDictionary(s => s.Index, s => s.Match.Groups[1].Value);
    }

    /// <summary>Segments of the route template (<c>/a/{b}</c> has three: "", "a", "{b}").</summary>
    public int SegmentCount { get; }

    /// <summary>Template segments that are exactly one variable: segment index to field name.</summary>
    public IReadOnlyDictionary<int, string> VariableSegments { get; }

    /// <summary>
    /// The raw request target holds a <c>.</c> or <c>..</c> segment (plain or percent-encoded). Kestrel removes
    /// them before routing, so <c>…/tools/..</c> would reach the mission itself: such a request is refused.
    /// </summary>
    public static bool HasDotSegment(string? rawTarget) =>
        !string.IsNullOrEmpty(rawTarget)
        && rawTarget.Split('?', 2)[0].Split('/').Any(segment => Uri.UnescapeDataString(segment) is "." or "..");

    /// <summary>
    /// The route variables as the caller sent them, fully unescaped from the raw request target: routing leaves
    /// <c>%2F</c> escaped (and unescapes <c>%25</c>), so an id holding a slash could not be addressed. Null when
    /// the raw target is unavailable or does not have the template's shape.
    /// </summary>
    public IReadOnlyDictionary<string, string>? RouteValuesFromRawTarget(string? rawTarget)
    {
        if (string.IsNullOrEmpty(rawTarget) || VariableSegments.Count == 0)
        {
            return null;
        }
        var path = rawTarget.Split('?', 2)[0];
        if (!path.StartsWith('/') && Uri.TryCreate(path, UriKind.Absolute, out var absolute))
        {
            path = absolute.AbsolutePath; // absolute-form request target
        }
        var segments = path.Split('/');
        if (segments.Length != SegmentCount)
        {
            return null;
        }
        return VariableSegments.ToDictionary(v => v.Value, v => Uri.UnescapeDataString(segments[v.Key]), StringComparer.Ordinal);
    }

    public MethodDescriptor Method { get; }

    public HttpRule Http { get; }

    /// <summary>Status of a successful response (200, 201 or 204; a 204 carries no body).</summary>
    public int SuccessStatus { get; }

    /// <summary>An absent or empty body is a 422 <c>missing</c> at <c>["body"]</c>.</summary>
    public bool BodyRequired { get; }

    /// <summary>The request message is (partly) read from the body.</summary>
    public bool HasBody => !string.IsNullOrEmpty(Http.Body);

    /// <summary>With an http rule <c>body: "field"</c> (not <c>*</c>): that field; the body is its value.</summary>
    public FieldDescriptor? BodyField => HasBody && Http.Body != "*" ? Method.InputType.FindFieldByName(Http.Body) : null;

    /// <summary>Proto names of the request fields bound from route variables.</summary>
    public IReadOnlySet<string> RouteFields { get; }

    /// <summary>The method streams its response; streamed responses are not buffered or reshaped.</summary>
    public bool IsStreaming => Method.IsServerStreaming;

    public static RestMethod For(MethodDescriptor method, HttpRule http) => Cache.GetOrAdd(method, m => new RestMethod(m, http));

    /// <summary>Where a request field comes from, as FastAPI names it in <c>loc</c>: body, path or query.</summary>
    public string LocationOf(string jsonFieldName)
    {
        var field = Method.InputType.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == jsonFieldName);
        if (field is not null && RouteFields.Contains(field.Name))
        {
            return "path";
        }
        return HasBody ? "body" : "query";
    }

    [GeneratedRegex(@"\{([a-zA-Z0-9_.]+)(?:=[^}]*)?\}")]
    private static partial Regex RouteVariable();
}
