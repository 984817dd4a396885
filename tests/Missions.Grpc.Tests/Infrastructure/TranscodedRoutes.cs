using Google.Api;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>The REST routes the proto's <c>google.api.http</c> rules declare, as method and template.</summary>
public static class TranscodedRoutes
{
    public static (string Method, string Template) MethodAndTemplate(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
        HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
        HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
        HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
        HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
        _ => (rule.Custom.Kind, rule.Custom.Path),
    };
}
