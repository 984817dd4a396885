using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using Buf.Validate;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Missions.Grpc.Validation;

/// <summary>
/// The <c>buf.validate</c> rules, compiled: each annotation becomes a plain check of a value, returning the rule id
/// protovalidate reports when the value breaks it (what its CEL program says, without interpreting CEL per call). The
/// single home of protovalidate's semantics here; <see cref="ValidationPlan"/> applies them. ProtoValidate stays the
/// oracle: a differential property test holds the two to the same answers. A rule not compiled here is
/// <see cref="NotSupportedException"/>, and its message type is left to ProtoValidate.
/// </summary>
internal static class CompiledRules
{
    /// <summary>The field's rules, or null when it has none; refuses what is not compiled.</summary>
    public static FieldRules? Of(FieldDescriptor field)
    {
        var rules = field.GetOptions()?.GetExtension(ValidateExtensions.Field);
        if (rules is null)
        {
            return null;
        }
        if (field.IsMap)
        {
            throw new NotSupportedException($"{field.FullName}: rules on map fields");
        }
        Refuse(field, rules);
        if (rules.TypeCase == FieldRules.TypeOneofCase.Repeated && rules.Repeated.Items is { } items)
        {
            Refuse(field, items);
        }
        return rules;
    }

    /// <summary>Refuses message-level and oneof rules, which are not compiled.</summary>
    public static void RefuseMessageRules(MessageDescriptor type)
    {
        var messageRules = type.GetOptions()?.GetExtension(ValidateExtensions.Message);
        if (messageRules is { Cel.Count: > 0 } || messageRules?.Oneof.Count > 0)
        {
            throw new NotSupportedException($"{type.FullName}: message-level rules");
        }
        if (type.Oneofs.Any(o => !o.IsSynthetic && o.GetOptions()?.GetExtension(ValidateExtensions.Oneof) is { Required: true }))
        {
            throw new NotSupportedException($"{type.FullName}: oneof rules");
        }
    }

    /// <summary>Checks of a string value.</summary>
    public static Func<string, string?>[] String(FieldDescriptor field, StringRules rules)
    {
        var checks = new List<Func<string, string?>>();
        foreach (var rule in SetFields(rules))
        {
            switch (rule.Name)
            {
                case "min_len":
                    var min = rules.MinLen;
                    checks.Add(v => (ulong)v.Length < min && (ulong)CodePoints(v) < min ? "string.min_len" : null);
                    break;
                case "max_len":
                    var max = rules.MaxLen;
                    // UTF-16 units are at least as many as code points: a short string needs no count.
                    checks.Add(v => (ulong)v.Length > max && (ulong)CodePoints(v) > max ? "string.max_len" : null);
                    break;
                case "len":
                    var len = rules.Len;
                    checks.Add(v => (ulong)CodePoints(v) != len ? "string.len" : null);
                    break;
                case "pattern":
                    // Patterns are RE2; an annotation must mean the same in .NET (ProtoValidate runs them as .NET Regex).
                    var pattern = new Regex(rules.Pattern, RegexOptions.CultureInvariant);
                    checks.Add(v => pattern.IsMatch(v) ? null : "string.pattern");
                    break;
                case "in":
                    var allowed = rules.In.ToHashSet(StringComparer.Ordinal);
                    checks.Add(v => allowed.Contains(v) ? null : "string.in");
                    break;
                case "not_in":
                    var refused = rules.NotIn.ToHashSet(StringComparer.Ordinal);
                    checks.Add(v => refused.Contains(v) ? "string.not_in" : null);
                    break;
                case "prefix":
                    var prefix = rules.Prefix;
                    checks.Add(v => v.StartsWith(prefix, StringComparison.Ordinal) ? null : "string.prefix");
                    break;
                case "suffix":
                    var suffix = rules.Suffix;
                    checks.Add(v => v.EndsWith(suffix, StringComparison.Ordinal) ? null : "string.suffix");
                    break;
                case "uuid":
                    if (rules.Uuid)
                    {
                        checks.Add(v => v.Length == 0 ? "string.uuid_empty" : IsUuid(v) ? null : "string.uuid");
                    }
                    break;
                default:
                    throw Unsupported(field, "string", rule.Name);
            }
        }
        return [.. checks];
    }

    /// <summary>Checks of an enum value (its number).</summary>
    public static Func<int, string?>[] Enum(FieldDescriptor field, EnumRules rules)
    {
        var checks = new List<Func<int, string?>>();
        foreach (var rule in SetFields(rules))
        {
            switch (rule.Name)
            {
                case "defined_only":
                    if (rules.DefinedOnly)
                    {
                        var numbers = field.EnumType.Values.Select(v => v.Number).ToArray();
                        if (numbers.All(n => n is >= 0 and < 256))
                        {
                            var defined = new bool[numbers.Max() + 1]; // small enums: a table, not a hash
                            foreach (var n in numbers)
                            {
                                defined[n] = true;
                            }
                            checks.Add(v => (uint)v < (uint)defined.Length && defined[v] ? null : "enum.defined_only");
                        }
                        else
                        {
                            var set = numbers.ToHashSet();
                            checks.Add(v => set.Contains(v) ? null : "enum.defined_only");
                        }
                    }
                    break;
                case "in":
                    var allowed = rules.In.ToHashSet();
                    checks.Add(v => allowed.Contains(v) ? null : "enum.in");
                    break;
                case "not_in":
                    var refused = rules.NotIn.ToHashSet();
                    checks.Add(v => refused.Contains(v) ? "enum.not_in" : null);
                    break;
                default:
                    throw Unsupported(field, "enum", rule.Name);
            }
        }
        return [.. checks];
    }

    /// <summary>
    /// Checks of an integer (any width up to 64 bits, signed): one rule id per bound (<c>int32.gte</c>), or one for a
    /// range (<c>int32.gt_lte</c>) that the value leaves on either side, as protovalidate reports them.
    /// </summary>
    public static Func<long, string?>[] Integer(FieldDescriptor field, FieldRules rules)
    {
        var (type, typed) = rules.TypeCase switch
        {
            FieldRules.TypeOneofCase.Int32 => ("int32", (IMessage)rules.Int32),
            FieldRules.TypeOneofCase.Int64 => ("int64", rules.Int64),
            FieldRules.TypeOneofCase.Uint32 => ("uint32", rules.Uint32),
            FieldRules.TypeOneofCase.Sint32 => ("sint32", rules.Sint32),
            FieldRules.TypeOneofCase.Sint64 => ("sint64", rules.Sint64),
            _ => throw new NotSupportedException($"{field.FullName}: {rules.TypeCase} rules"),
        };
        long? gt = null, gte = null, lt = null, lte = null;
        foreach (var rule in SetFields(typed))
        {
            var bound = Convert.ToInt64(rule.Accessor.GetValue(typed), CultureInfo.InvariantCulture);
            switch (rule.Name)
            {
                case "gt": gt = bound; break;
                case "gte": gte = bound; break;
                case "lt": lt = bound; break;
                case "lte": lte = bound; break;
                default: throw Unsupported(field, type, rule.Name);
            }
        }
        var lower = gt is not null ? "gt" : gte is not null ? "gte" : null;
        var upper = lt is not null ? "lt" : lte is not null ? "lte" : null;
        if (lower is null && upper is null)
        {
            return [];
        }
        if (lower is not null && upper is not null && (lt ?? lte) < (gt ?? gte))
        {
            throw Unsupported(field, type, $"{lower}_{upper} (an exclusive range)");
        }
        var id = lower is not null && upper is not null ? $"{type}.{lower}_{upper}" : $"{type}.{lower ?? upper}";
        var (min, minInclusive) = gt is { } g ? (g, false) : (gte ?? long.MinValue, true);
        var (max, maxInclusive) = lt is { } l ? (l, false) : (lte ?? long.MaxValue, true);
        return [v => (minInclusive ? v >= min : v > min) && (maxInclusive ? v <= max : v < max) ? null : id];
    }

    /// <summary>Checks of a repeated field's list itself.</summary>
    public static Func<IList, string?>[] Repeated(FieldDescriptor field, RepeatedRules rules)
    {
        var checks = new List<Func<IList, string?>>();
        foreach (var rule in SetFields(rules))
        {
            switch (rule.Name)
            {
                case "min_items":
                    var min = (int)rules.MinItems;
                    checks.Add(v => v.Count < min ? "repeated.min_items" : null);
                    break;
                case "max_items":
                    var max = (int)rules.MaxItems;
                    checks.Add(v => v.Count > max ? "repeated.max_items" : null);
                    break;
                case "items":
                    break; // the items' own checks
                default:
                    throw Unsupported(field, "repeated", rule.Name);
            }
        }
        return [.. checks];
    }

    private static void Refuse(FieldDescriptor field, FieldRules rules)
    {
        if (rules.Cel.Count > 0 || rules.HasIgnore || rules.Required)
        {
            throw new NotSupportedException($"{field.FullName}: field-level rules ({(rules.Cel.Count > 0 ? "cel" : rules.HasIgnore ? "ignore" : "required")})");
        }
    }

    /// <summary>The fields of a rules message that are set (what the annotation says).</summary>
    private static IEnumerable<FieldDescriptor> SetFields(IMessage rules)
    {
        var unset = rules.Descriptor.Parser.ParseFrom(ByteString.Empty);
        return rules.Descriptor.Fields.InFieldNumberOrder().Where(f => f.IsRepeated
            ? ((IList)f.Accessor.GetValue(rules)).Count > 0
            : f.HasPresence ? f.Accessor.HasValue(rules) : !Equals(f.Accessor.GetValue(rules), f.Accessor.GetValue(unset)));
    }

    private static NotSupportedException Unsupported(FieldDescriptor field, string type, string rule) =>
        new($"{field.FullName}: {type}.{rule}");

    /// <summary>Unicode code points, as CEL's <c>size()</c> counts a string.</summary>
    private static int CodePoints(string text)
    {
        var count = text.Length;
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }
        return count;
    }

    /// <summary>protovalidate's <c>string.uuid</c>: 8-4-4-4-12 hexadecimal digits, either case.</summary>
    private static bool IsUuid(string text)
    {
        if (text.Length != 36)
        {
            return false;
        }
        for (var i = 0; i < 36; i++)
        {
            var c = text[i];
            if (i is 8 or 13 or 18 or 23 ? c != '-' : !char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
