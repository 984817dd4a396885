using System.Text.RegularExpressions;
using CsCheck;
using Google.Api;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>A REST route of the contract, as the fuzzer sees it: verb, template, its variables, body and query fields.</summary>
internal sealed partial record FuzzRoute(string Verb, string Template, string[] Variables, string? Body, MessageDescriptor Input, (string Name, FieldDescriptor Field)[] Query)
{
    public bool IsWatch => Template.EndsWith("/watch", StringComparison.Ordinal);

    public override string ToString() => $"{Verb} {Template}";

    /// <summary>Every transcoded route the running app serves.</summary>
    public static List<FuzzRoute> Of(MissionsApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>())
            .OfType<GrpcJsonTranscodingMetadata>()
            .Select(m => ToRoute(m.HttpRule, m.MethodDescriptor))
            .DistinctBy(r => r.ToString())
            .OrderBy(r => r.ToString(), StringComparer.Ordinal)
            .ToList();

    /// <summary>Every HTTP rule of the contract, from its descriptors (no app needed).</summary>
    public static List<FuzzRoute> OfContract() =>
        Missions.Grpc.Protocol.ApiContract.Services.SelectMany(s => s.Methods)
            .Select(m => (Method: m, Rule: m.GetOptions()?.GetExtension(AnnotationsExtensions.Http)))
            .Where(m => m.Rule is not null)
            .Select(m => ToRoute(m.Rule!, m.Method))
            .ToList();

    private static FuzzRoute ToRoute(HttpRule rule, MethodDescriptor method)
    {
        var (verb, template) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Custom => (rule.Custom.Kind, rule.Custom.Path),
            _ => throw new InvalidOperationException($"no pattern in {method.FullName}"),
        };
        var variables = Variable().Matches(template).Select(m => m.Groups[1].Value).ToArray();
        var body = string.IsNullOrEmpty(rule.Body) ? null : rule.Body;
        var query = new List<(string, FieldDescriptor)>();
        if (body is null)
        {
            foreach (var field in method.InputType.Fields.InDeclarationOrder().Where(f => !variables.Contains(f.Name)))
            {
                if (field.FieldType == FieldType.Message && !field.IsRepeated && field.MessageType.File.Package != "google.protobuf")
                {
                    query.AddRange(field.MessageType.Fields.InDeclarationOrder().Select(inner => ($"{field.JsonName}[{inner.JsonName}]", inner)));
                }
                else
                {
                    query.Add((field.JsonName, field));
                }
            }
        }
        return new FuzzRoute(verb, Variable().Replace(template, "{$1}"), variables, body, method.InputType, [.. query]);
    }

    [GeneratedRegex(@"\{([^}=]+)(?:=[^}]*)?\}")]
    internal static partial Regex Variable();

    [GeneratedRegex("@@([a-z_]+)@@")]
    private static partial Regex Placeholder();
}
