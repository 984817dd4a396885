using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using ProtoValidate;

namespace Missions.Grpc.Validation;

/// <summary>
/// The one validator of request messages, for gRPC and REST alike. Every rule comes from the
/// message descriptor: <c>(google.api.field_behavior) = REQUIRED</c> for presence, protovalidate
/// (<c>buf.validate</c>) for values, and the free-form JSON nesting limit. Violations are reported
/// in pydantic v2 terms (see <see cref="Pydantic"/>).
/// </summary>
public sealed class MessageValidator
{
    private readonly IValidator _protoValidator;

    /// <summary>
    /// Builds protovalidate's evaluators for every request type of <paramref name="services"/> up front
    /// (ProtoValidate 1.0.1 builds them lazily; its PreLoadDescriptors option finds none for our files).
    /// </summary>
    /// <param name="maxFreeFormDepth">Deepest nesting accepted inside a free-form object (Validation:MaxFreeFormDepth).</param>
    public MessageValidator(IValidator protoValidator, IEnumerable<Google.Protobuf.Reflection.ServiceDescriptor> services, int maxFreeFormDepth = DefaultMaxFreeFormDepth)
    {
        if (maxFreeFormDepth is < 1 or > MaxConfigurableDepth)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException("Validation", typeof(MessageValidator),
                [$"Validation:MaxFreeFormDepth must be between 1 and {MaxConfigurableDepth} (protobuf's parser stops at 100 nested messages; each JSON level is two)."]);
        }
        MaxFreeFormDepth = maxFreeFormDepth;
        _protoValidator = protoValidator;
        foreach (var input in services.SelectMany(s => s.Methods).Select(m => m.InputType).Distinct())
        {
            var probe = input.Parser.ParseFrom(ByteString.Empty);
            var warmup = protoValidator.Validate(probe, false);
            if (warmup.Violations.Any(v => v.Field is null))
            {
                throw new InvalidOperationException(
                    $"protovalidate cannot evaluate {input.FullName}: {warmup.Violations.First(v => v.Field is null).Message}");
            }
        }
    }

    /// <summary>Default deepest nesting accepted inside a free-form object (<c>metadata</c>, <c>payload</c>, …).</summary>
    public const int DefaultMaxFreeFormDepth = 32;

    /// <summary>Highest configurable depth.</summary>
    public const int MaxConfigurableDepth = 48;

    /// <summary>Deepest nesting accepted inside a free-form object.</summary>
    public int MaxFreeFormDepth { get; }

    /// <summary>The violation for free-form JSON nested deeper than <see cref="MaxFreeFormDepth"/>.</summary>
    private Violation TooDeep(IReadOnlyList<object> path) =>
        Pydantic.ValueError(path, $"nesting deeper than {MaxFreeFormDepth} levels");

    public IReadOnlyList<Violation> Validate(IMessage message)
    {
        var violations = new List<Violation>();
        CheckPresenceAndDepth(message, [], violations);
        var result = _protoValidator.Validate(message, false);
        foreach (var violation in result.Violations)
        {
            if (Translate(message, violation) is { } translated)
            {
                violations.Add(translated);
            }
        }
        return violations;
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

    private void CheckPresenceAndDepth(IMessage message, List<object> path, List<Violation> violations)
    {
        foreach (var rule in MessageRules.For(message.Descriptor).Fields)
        {
            var field = rule.Field;
            path.Add(rule.JsonName);
            if (rule.Required && !IsPresent(field, message))
            {
                violations.Add(Pydantic.Missing([.. path]));
            }
            else if (field.FieldType == FieldType.Message)
            {
                var value = field.Accessor.GetValue(message);
                if (field.IsRepeated && value is System.Collections.IList list)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        path.Add(i);
                        CheckNested(rule, list[i] as IMessage, path, violations);
                        path.RemoveAt(path.Count - 1);
                    }
                }
                else if (!field.IsMap)
                {
                    CheckNested(rule, value as IMessage, path, violations);
                }
            }
            path.RemoveAt(path.Count - 1);
        }
    }

    private void CheckNested(FieldRule rule, IMessage? value, List<object> path, List<Violation> violations)
    {
        if (value is null)
        {
            return;
        }
        if (rule.IsFreeForm)
        {
            if (Depth(value) > MaxFreeFormDepth)
            {
                violations.Add(TooDeep([.. path]));
            }
            else if (FreeFormProblem(value) is { } problem)
            {
                violations.Add(Pydantic.ValueError([.. path], problem));
            }
        }
        else if (!MessageRules.IsTimestamp(value.Descriptor))
        {
            CheckPresenceAndDepth(value, path, violations);
        }
    }

    private static bool IsPresent(FieldDescriptor field, IMessage message)
    {
        if (field.IsRepeated)
        {
            return field.Accessor.GetValue(message) is System.Collections.ICollection { Count: > 0 };
        }
        return !field.HasPresence || field.Accessor.HasValue(message);
    }

    /// <summary>
    /// What a free-form value holds that JSON cannot: an empty object key (protobuf's JSON form
    /// rejects it), a value with no kind, a NaN or infinite number. Null when it is plain JSON.
    /// </summary>
    private static string? FreeFormProblem(IMessage value) => value switch
    {
        Struct s => s.Fields.ContainsKey("") ? "object keys must not be empty" : s.Fields.Values.Select(FreeFormProblem).FirstOrDefault(p => p is not null),
        ListValue l => l.Values.Select(FreeFormProblem).FirstOrDefault(p => p is not null),
        Value v => v.KindCase switch
        {
            Value.KindOneofCase.None => "a value must be null, a boolean, a number, a string, a list or an object",
            Value.KindOneofCase.NumberValue when !double.IsFinite(v.NumberValue) => "numbers must be finite",
            Value.KindOneofCase.StructValue => FreeFormProblem(v.StructValue),
            Value.KindOneofCase.ListValue => FreeFormProblem(v.ListValue),
            _ => null,
        },
        _ => null,
    };

    private static int Depth(IMessage value) => value switch
    {
        Struct s => 1 + (s.Fields.Count == 0 ? 0 : s.Fields.Values.Max(ValueDepth)),
        ListValue l => 1 + (l.Values.Count == 0 ? 0 : l.Values.Max(ValueDepth)),
        Value v => ValueDepth(v),
        _ => 0,
    };

    private static int ValueDepth(Value v) => v.KindCase switch
    {
        Value.KindOneofCase.StructValue => Depth(v.StructValue),
        Value.KindOneofCase.ListValue => Depth(v.ListValue),
        _ => 0,
    };

    /// <summary>A protovalidate violation in pydantic terms, with the bound read from the field's rules; null when pydantic would accept the value.</summary>
    private static Violation? Translate(IMessage root, Buf.Validate.Violation violation)
    {
        var path = new List<object>();
        FieldRule? rule = null;
        object? value = root;
        foreach (var element in violation.Field?.Elements ?? [])
        {
            rule = value is IMessage message
                ? MessageRules.For(message.Descriptor).ByProtoName.GetValueOrDefault(element.FieldName)
                : null;
            path.Add(rule?.JsonName ?? element.FieldName);
            value = rule is null ? null : rule.Field.Accessor.GetValue((IMessage)value!);
            if (element.HasIndex)
            {
                path.Add((int)element.Index);
                value = value is System.Collections.IList list && (int)element.Index < list.Count ? list[(int)element.Index] : null;
            }
        }
        var rules = rule?.Constraints;
        return violation.RuleId switch
        {
            "enum.defined_only" or "enum.not_in" when rule is not null => Pydantic.Enum(path, rule.EnumNames),
            // string.uuid means "a UUID as pydantic reads it": wider than protovalidate's hyphenated-only check.
            "string.uuid" or "string.uuid_empty" => UuidText.TryParse(value as string, out _) ? null : Pydantic.UuidParsing(path, value as string ?? ""),
            "string.max_len" when rules is not null => Pydantic.StringTooLong(path, rules.String.MaxLen),
            "string.min_len" when rules is not null => Pydantic.StringTooShort(path, rules.String.MinLen),
            "string.pattern" or "string.not_in" => Pydantic.NotAddressable(path),
            "repeated.max_items" when rules is not null => Pydantic.ListTooLong(path, rules.Repeated.MaxItems, (value as System.Collections.ICollection)?.Count ?? 0),
            "required" => Pydantic.Missing(path),
            _ when NumericBound(violation.RuleId, rules, value) is { } bound => bound(path),
            _ => Pydantic.ValueError(path, violation.Message),
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
