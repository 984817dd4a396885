using Google.Protobuf;
using Google.Protobuf.Reflection;
using ProtoValidate;

namespace Missions.Grpc.Validation;

/// <summary>
/// The one validator of request messages, for gRPC and REST alike. Every rule comes from the message descriptor:
/// <c>(google.api.field_behavior) = REQUIRED</c> for presence, protovalidate (<c>buf.validate</c>) for values —
/// compiled at start (<see cref="CompiledRules"/>, applied by a <see cref="ValidationPlan"/> per type), not interpreted
/// per call — and the free-form JSON nesting limit. Violations are reported in pydantic v2 terms (see <see cref="Pydantic"/>).
/// </summary>
internal sealed class MessageValidator
{
    private readonly Dictionary<MessageDescriptor, ValidationPlan> _plans = [];
    private readonly IValidator? _interpreter;

    /// <summary>
    /// Compiles the checks of every request type of <paramref name="services"/>. A type whose rules the compiler does not
    /// know (a custom CEL expression) has its rules checked by <paramref name="interpreter"/> instead — none is today;
    /// <see cref="Interpreted"/> names them.
    /// </summary>
    /// <param name="maxFreeFormDepth">Deepest nesting accepted inside a free-form object (Validation:MaxFreeFormDepth).</param>
    /// <param name="maxFreeFormBytes">Largest free-form value, as JSON (Validation:MaxFreeFormBytes).</param>
    public MessageValidator(
        IEnumerable<Google.Protobuf.Reflection.ServiceDescriptor> services, int maxFreeFormDepth = DefaultMaxFreeFormDepth,
        int maxFreeFormBytes = DefaultMaxFreeFormBytes, IValidator? interpreter = null)
    {
        if (maxFreeFormDepth is < 1 or > MaxConfigurableDepth)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException("Validation", typeof(MessageValidator),
                [$"Validation:MaxFreeFormDepth must be between 1 and {MaxConfigurableDepth} (protobuf's parser stops at 100 nested messages; each JSON level is three: Struct, its map entry, Value)."]);
        }
        MaxFreeFormDepth = maxFreeFormDepth;
        MaxFreeFormBytes = maxFreeFormBytes;
        var interpreted = new Dictionary<string, string>();
        foreach (var input in services.SelectMany(s => s.Methods).Select(m => m.InputType).Distinct())
        {
            try
            {
                _plans[input] = ValidationPlan.For(input);
            }
            catch (NotSupportedException unsupported)
            {
                _plans[input] = ValidationPlan.For(input, withRules: false);
                interpreted[input.FullName] = unsupported.Message;
            }
        }
        Interpreted = interpreted;
        if (interpreted.Count > 0)
        {
            _interpreter = interpreter ?? throw new InvalidOperationException(
                $"These request types have rules that are not compiled and no interpreter was given: {string.Join("; ", interpreted.Select(i => $"{i.Key} ({i.Value})"))}");
        }
    }

    /// <summary>Request types whose rules are checked by interpreting CEL (ProtoValidate), with the rule that kept each from being compiled.</summary>
    public IReadOnlyDictionary<string, string> Interpreted { get; }

    /// <summary>Default deepest nesting accepted inside a free-form object (<c>metadata</c>, <c>payload</c>, …).</summary>
    public const int DefaultMaxFreeFormDepth = 32;

    /// <summary>Default largest free-form value, as JSON: 16 KiB.</summary>
    public const int DefaultMaxFreeFormBytes = 16 * 1024;

    /// <summary>Largest free-form value, as JSON.</summary>
    public int MaxFreeFormBytes { get; }

    /// <summary>
    /// Highest configurable depth: what stays readable. A stored object is read back by protobuf's parser, which stops at
    /// 100 nested messages (<c>CodedInputStream.DefaultRecursionLimit</c>); each JSON level of a free-form value costs three
    /// (a Struct, its map entry, a Value), so its k-th object sits 3k − 2 messages down from the message holding it: 34
    /// levels is the last readable one when that message is the stored one (measured: 35 made GET answer 500 with the old
    /// ceiling of 48), and 33 keeps a level for a stored message that holds the value one message down.
    /// </summary>
    public const int MaxConfigurableDepth = 33;

    /// <summary>Deepest nesting accepted inside a free-form object.</summary>
    public int MaxFreeFormDepth { get; }

    /// <summary>Every reason <paramref name="message"/> is invalid (none when it is valid), in pydantic terms.</summary>
    public IReadOnlyList<Violation> Validate(IMessage message)
    {
        var sink = new ValidationSink(MaxFreeFormDepth, MaxFreeFormBytes);
        var interpreted = Walk(message, ref sink);
        if (sink.Presence is null && sink.Rules is null && interpreted is null)
        {
            return [];
        }
        var violations = sink.Presence ?? [];
        foreach (var broken in (IEnumerable<RuleViolation>?)sink.Rules ?? interpreted ?? [])
        {
            if (Translate(broken) is { } translated)
            {
                violations.Add(translated);
            }
        }
        return violations;
    }

    /// <summary>The <c>buf.validate</c> rules <paramref name="message"/> breaks, as protovalidate reports them.</summary>
    public IReadOnlyList<RuleViolation> RuleViolations(IMessage message)
    {
        var sink = new ValidationSink(MaxFreeFormDepth, MaxFreeFormBytes) { SkipFreeForm = true };
        var interpreted = Walk(message, ref sink);
        return (IReadOnlyList<RuleViolation>?)sink.Rules ?? interpreted ?? [];
    }

    /// <summary>Throws <see cref="RequestValidationException"/> when <paramref name="message"/> is invalid.</summary>
    public void EnsureValid(IMessage message)
    {
        var violations = Validate(message);
        if (violations.Count > 0)
        {
            throw new RequestValidationException(violations);
        }
    }

    /// <summary>Walks the message's plan; for a type whose rules are interpreted, returns what ProtoValidate found.</summary>
    private List<RuleViolation>? Walk(IMessage message, ref ValidationSink sink)
    {
        if (!_plans.TryGetValue(message.Descriptor, out var plan))
        {
            plan = ValidationPlan.For(message.Descriptor); // not a request type of the services (a test's message)
        }
        if (_interpreter is null || !Interpreted.ContainsKey(message.Descriptor.FullName))
        {
            plan.Walk(message, null, ref sink);
            return null;
        }
        plan.Walk(message, null, ref sink);
        return _interpreter.Validate(message, false).Violations.Select(v => FromProtoValidate(message, v)).ToList();
    }

    /// <summary>A protovalidate violation as <see cref="RuleViolation"/>: its path, and the value and rules it names.</summary>
    private static RuleViolation FromProtoValidate(IMessage root, Buf.Validate.Violation violation)
    {
        var path = new List<object>();
        var jsonPath = new List<object>();
        FieldRule? rule = null;
        object? value = root;
        foreach (var element in violation.Field?.Elements ?? [])
        {
            rule = value is IMessage message ? MessageRules.For(message.Descriptor).ByProtoName.GetValueOrDefault(element.FieldName) : null;
            path.Add(element.FieldName);
            jsonPath.Add(rule?.JsonName ?? element.FieldName);
            value = rule is null ? null : rule.Field.Accessor.GetValue((IMessage)value!);
            if (element.HasIndex)
            {
                path.Add((int)element.Index);
                jsonPath.Add((int)element.Index);
                value = value is System.Collections.IList list && (int)element.Index < list.Count ? list[(int)element.Index] : null;
            }
        }
        return new RuleViolation(path, jsonPath, violation.RuleId, rule?.Constraints ?? new Buf.Validate.FieldRules(), value,
            rule?.Field ?? root.Descriptor.Fields.InFieldNumberOrder()[0]);
    }

    /// <summary>A broken rule in pydantic terms, with the bound read from the field's rules; null when pydantic would accept the value.</summary>
    private static Violation? Translate(RuleViolation broken)
    {
        var value = broken.Value;
        var rules = broken.Rules;
        var path = broken.JsonPath;
        var enumNames = broken.Field.FieldType == FieldType.Enum
            ? MessageRules.For(broken.Field.ContainingType).ByProtoName[broken.Field.Name].EnumNames
            : null;
        return broken.RuleId switch
        {
            "enum.defined_only" or "enum.not_in" when enumNames is not null => Pydantic.Enum(path, enumNames),
            // string.uuid means "a UUID as pydantic reads it": wider than protovalidate's hyphenated-only check.
            "string.uuid" or "string.uuid_empty" => UuidText.TryParse(value as string, out _) ? null : Pydantic.UuidParsing(path, value as string ?? ""),
            "string.max_len" => Pydantic.StringTooLong(path, (rules.Repeated?.Items ?? rules).String.MaxLen),
            "string.min_len" => Pydantic.StringTooShort(path, (rules.Repeated?.Items ?? rules).String.MinLen),
            "string.pattern" or "string.not_in" => Pydantic.NotAddressable(path),
            "repeated.max_items" => Pydantic.ListTooLong(path, rules.Repeated.MaxItems, (value as System.Collections.ICollection)?.Count ?? 0),
            "required" => Pydantic.Missing(path),
            _ when NumericBound(broken.RuleId, rules, value) is { } bound => bound(path),
            _ => Pydantic.ValueError(path, $"breaks rule {broken.RuleId}"),
        };
    }

    /// <summary>
    /// Integer bounds (<c>int32.gt</c>, <c>int64.lte</c>, and the combined <c>int32.gt_lte</c> …) as
    /// pydantic's comparison errors; for a combined range, the bound the value broke.
    /// </summary>
    private static Func<IReadOnlyList<object>, Violation>? NumericBound(string ruleId, Buf.Validate.FieldRules? rules, object? value)
    {
        IMessage? typed = rules?.TypeCase switch
        {
            Buf.Validate.FieldRules.TypeOneofCase.Int32 => rules.Int32,
            Buf.Validate.FieldRules.TypeOneofCase.Int64 => rules.Int64,
            Buf.Validate.FieldRules.TypeOneofCase.Uint32 => rules.Uint32,
            Buf.Validate.FieldRules.TypeOneofCase.Uint64 => rules.Uint64,
            _ => null,
        };
        var dot = ruleId.IndexOf('.');
        if (typed is null || dot < 0 || value is null)
        {
            return null;
        }
        var actual = Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var kind in ruleId[(dot + 1)..].Split('_'))
        {
            if (typed.Descriptor.FindFieldByName(kind) is not { } field)
            {
                continue;
            }
            var bound = field.Accessor.GetValue(typed);
            var limit = Convert.ToDecimal(bound, System.Globalization.CultureInfo.InvariantCulture);
            Func<IReadOnlyList<object>, Violation>? broken = kind switch
            {
                "gt" when actual <= limit => p => Pydantic.GreaterThan(p, bound),
                "gte" when actual < limit => p => Pydantic.GreaterThanEqual(p, bound),
                "lt" when actual >= limit => p => Pydantic.LessThan(p, bound),
                "lte" when actual > limit => p => Pydantic.LessThanEqual(p, bound),
                _ => null,
            };
            if (broken is not null)
            {
                return broken;
            }
        }
        return null;
    }
}
