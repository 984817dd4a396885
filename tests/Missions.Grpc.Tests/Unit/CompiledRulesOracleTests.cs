using CsCheck;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Missions.Grpc.Protocol;
using Missions.Grpc.Validation;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Unit;

/// <summary>
/// The compiled <c>buf.validate</c> rules against their oracle, ProtoValidate (which interprets the same annotations
/// as CEL): for messages of every request type, drawn by a property-based generator that favours each rule's edges,
/// both find the same rules broken at the same field paths.
/// </summary>
public sealed class CompiledRulesOracleTests(ITestOutputHelper output)
{
    private static readonly MessageValidator Compiled = new(ApiContract.Services);

    private static readonly ProtoValidate.Validator Oracle =
        new(new ProtoValidate.ValidatorOptions { FileDescriptors = [.. ApiContract.Files] });

    public static TheoryData<string> RequestTypes() => [.. RequestDescriptors().Select(d => d.FullName)];

    [Theory]
    [MemberData(nameof(RequestTypes))]
    public void Compiled_rules_and_protovalidate_agree_on_every_violation(string requestType)
    {
        var descriptor = RequestDescriptors().Single(d => d.FullName == requestType);
        var broken = 0;
        MessageGenerators.Of(descriptor).Sample(message =>
        {
            var compiled = Compiled.RuleViolations(message).Select(v => $"{Violation.FormatPath(v.Path)} {v.RuleId}").Order().ToList();
            var oracle = Oracle.Validate(message, false).Violations.Select(Describe).Order().ToList();
            broken += oracle.Count;
            if (!oracle.SequenceEqual(compiled))
            {
                Assert.Fail($"{Show(message)}\nprotovalidate: [{string.Join(", ", oracle)}]\ncompiled:      [{string.Join(", ", compiled)}]");
            }
        }, iter: 400);
        output.WriteLine($"{requestType}: 400 messages, {broken} rule violations found by both");
    }

    /// <summary>The request message types of every API service.</summary>
    private static IEnumerable<MessageDescriptor> RequestDescriptors() =>
        ApiContract.Services.SelectMany(s => s.Methods).Select(m => m.InputType).Distinct();

    /// <summary>The message as JSON, or as base64 protobuf when it holds what JSON cannot (a lone surrogate).</summary>
    private static string Show(IMessage message)
    {
        try
        {
            return JsonFormatter.Default.Format(message);
        }
        catch (ArgumentException)
        {
            return message.ToByteString().ToBase64();
        }
    }

    private static string Describe(Buf.Validate.Violation violation) =>
        $"{Violation.FormatPath((violation.Field?.Elements ?? []).SelectMany(e => e.HasIndex ? new object[] { e.FieldName, (int)e.Index } : [e.FieldName]))} {violation.RuleId}";
}
