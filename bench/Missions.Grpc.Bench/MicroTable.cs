using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Protocol;
using Missions.Grpc.Tests.Unit;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

/// <summary>
/// What validation costs per request type, next to a protobuf parse of the same messages: valid messages drawn by the
/// oracle test's generator (the same edges: lengths at their bounds, astral characters, UUID forms, list limits), each
/// parsed from its bytes and validated, in a loop. CreateMission is also measured for the representative request below.
/// </summary>
internal static class MicroTable
{
    public sealed record Result(string Markdown, double CreateMissionRatio);

    public static Result Run()
    {
        var validator = new MessageValidator(ApiContract.Services);
        var table = new StringBuilder();
        table.AppendLine("| request type | valid samples | protobuf parse ns | validate ns | validate / parse |");
        table.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var type in ApiContract.Services.SelectMany(s => s.Methods).Select(m => m.InputType).Distinct())
        {
            var drawn = MessageGenerators.Of(type).Array[400].Generate(new PCG(1, 7), null, out _);
            var samples = drawn.Where(m => validator.Validate(m).Count == 0).Take(64).ToArray();
            var label = samples.Length.ToString(CultureInfo.InvariantCulture);
            if (samples.Length == 0)
            {
                samples = drawn.Take(64).ToArray(); // every draw breaks a rule: measured on those (violations built)
                label = "0 (64 invalid measured)";
            }
            var (parse, validate) = Measure(type, samples, validator);
            table.AppendLine(CultureInfo.InvariantCulture, $"| {type.Name} | {label} | {parse:F0} | {validate:F0} | {100 * validate / parse:F0}% |");
        }

        var create = new CreateMissionRequest
        {
            Name = "Triage inbound calls",
            Description = "A description",
            Model = "gpt-4o",
            ExecutionMode = Mission.Types.ExecutionMode.Managed,
            Metadata = Struct.Parser.ParseJson("""{"team":"support","tags":["a","b"],"nested":{"x":1}}"""),
        };
        var (createParse, createValidate) = Measure(CreateMissionRequest.Descriptor, [create], validator);
        var ratio = createValidate / createParse;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"Representative CreateMission (name, description, model, execution mode, 3-key metadata): parse {createParse:F0} ns, validate {createValidate:F0} ns ({100 * ratio:F1}% of the parse; ProtoValidate's interpreter took ~31,700 ns before issue 13).");
        const string note = "Samples are the oracle test's valid draws: ids come in every spelling pydantic accepts (braces, `urn:uuid:`, no hyphens), which protovalidate's `string.uuid` refuses, so they take the violation path and are accepted on translation; a canonical id costs ~45 ns. The plan types' draws always break a rule (nested steps at their limits), so those rows measure building violations.";
        var markdown = $"### Validation per request type\n\n{summary}\n\n{note}\n\n{table}";
        Console.WriteLine();
        Console.WriteLine(markdown);
        return new Result(markdown, ratio);
    }

    /// <summary>Nanoseconds per message to parse its bytes, and to validate it (each loop runs ~200 ms).</summary>
    private static (double Parse, double Validate) Measure(MessageDescriptor type, IMessage[] samples, MessageValidator validator)
    {
        var bytes = samples.Select(m => m.ToByteArray()).ToArray();
        double Loop(Action<int> op)
        {
            var warm = Stopwatch.StartNew();
            for (var i = 0; warm.ElapsedMilliseconds < 300; i++)
            {
                op(i % samples.Length); // warm-up: long enough for tiered JIT to install optimized code
            }
            var n = 0;
            var clock = Stopwatch.StartNew();
            while (clock.ElapsedMilliseconds < 200)
            {
                for (var i = 0; i < 1000; i++, n++)
                {
                    op(n % samples.Length);
                }
            }
            return clock.Elapsed.TotalNanoseconds / n;
        }
        var parse = Loop(i => type.Parser.ParseFrom(bytes[i]));
        var validate = Loop(i => validator.Validate(samples[i]));
        return (parse, validate);
    }
}
