using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;

namespace Missions.Grpc.Validation;

/// <summary>
/// Checks the JSON types of a request body against the request message's descriptor — what
/// protobuf's JSON parser cannot report field by field (a number where a string belongs, an
/// unknown enum string, an array where an object belongs). Invalid values are removed from the
/// tree, so the rest can still be parsed and validated by <see cref="MessageValidator"/> and
/// every error of the body is reported at once, as pydantic does. Unknown keys are ignored and
/// <c>null</c> means absent, except for a required field, where it is a type error.
/// Unknown keys are removed from the tree as well.
/// </summary>
public static class JsonShapeChecker
{
    /// <summary>Checks <paramref name="body"/> (the whole JSON body); returns violations with paths relative to the body.</summary>
    public static List<Violation> Check(JsonNode? body, MessageDescriptor descriptor)
    {
        var violations = new List<Violation>();
        if (body is not JsonObject obj)
        {
            violations.Add(Pydantic.ModelAttributesType([]));
            return violations;
        }
        CheckObject(obj, MessageRules.For(descriptor), [], violations);
        return violations;
    }

    private static void CheckObject(JsonObject obj, MessageRules rules, List<object> path, List<Violation> violations)
    {
        foreach (var unknown in obj.Select(p => p.Key).Where(k => !rules.ByJsonName.ContainsKey(k)).ToList())
        {
            obj.Remove(unknown); // ignored, as pydantic ignores extra keys
        }
        foreach (var rule in rules.Fields)
        {
            if (!obj.TryGetPropertyValue(rule.JsonName, out var value))
            {
                continue;
            }
            path.Add(rule.JsonName);
            if (value is null)
            {
                if (rule.Required)
                {
                    violations.Add(TypeError(rule.Field, [.. path]));
                    obj.Remove(rule.JsonName);
                }
            }
            else if (!CheckField(rule, value, path, violations))
            {
                obj.Remove(rule.JsonName);
            }
            else if (!rule.Field.IsRepeated && IsInteger(rule.Field) && LaxInteger(value) is { } integer)
            {
                // pydantic's lax integers ("1", 1.0) are accepted; protobuf's parser takes only integer tokens.
                obj[rule.JsonName] = integer;
            }
            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>True when the value is acceptable (possibly after nested values were removed).</summary>
    private static bool CheckField(FieldRule rule, JsonNode value, List<object> path, List<Violation> violations)
    {
        var field = rule.Field;
        if (field.IsMap)
        {
            if (value is JsonObject)
            {
                return true; // map values: protobuf's parser reports (no map fields in the API today)
            }
            violations.Add(Pydantic.DictType([.. path]));
            return false;
        }
        if (field.IsRepeated)
        {
            if (value is not JsonArray array)
            {
                violations.Add(Pydantic.ListType([.. path]));
                return false;
            }
            if (array.Count == 0 && rule.Required)
            {
                violations.Add(Pydantic.ListTooShort([.. path], 1, 0)); // a required list needs an item
                return false;
            }
            var ok = true;
            for (var i = 0; i < array.Count; i++)
            {
                path.Add(i);
                var item = array[i];
                if (item is null || !CheckValue(rule, item, path, violations))
                {
                    if (item is null)
                    {
                        violations.Add(TypeError(field, [.. path]));
                    }
                    ok = false;
                }
                path.RemoveAt(path.Count - 1);
            }
            return ok;
        }
        return CheckValue(rule, value, path, violations);
    }

    private static bool CheckValue(FieldRule rule, JsonNode value, List<object> path, List<Violation> violations)
    {
        var field = rule.Field;
        var kind = value.GetValueKind();
        Violation? error = field.FieldType switch
        {
            FieldType.String => kind != JsonValueKind.String ? Pydantic.StringType([.. path])
                : HasLoneSurrogate(value) ? Pydantic.StringUnicode([.. path])
                : null,
            FieldType.Bool => kind is JsonValueKind.True or JsonValueKind.False ? null : Pydantic.BoolType([.. path]),
            FieldType.Double or FieldType.Float => kind == JsonValueKind.Number ? null : Pydantic.FloatType([.. path]),
            FieldType.Enum => kind == JsonValueKind.String && Text(value) is { } name && rule.EnumNames.Contains(name)
                ? null
                : Pydantic.Enum([.. path], rule.EnumNames),
            FieldType.Message when rule.IsFreeForm => FreeFormError(field.MessageType, value, kind, path),
            FieldType.Message when MessageRules.IsTimestamp(field.MessageType) =>
                kind == JsonValueKind.String && DateTimeOffset.TryParse(Text(value), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _)
                    ? null
                    : Pydantic.DatetimeType([.. path]),
            FieldType.Message => kind == JsonValueKind.Object ? null : Pydantic.ModelAttributesType([.. path]),
            FieldType.Bytes => kind == JsonValueKind.String ? null : Pydantic.StringType([.. path]),
            _ => IntegerError(field, value, kind, path),
        };
        if (error is not null)
        {
            violations.Add(error);
            return false;
        }
        if (field.FieldType == FieldType.Message && !rule.IsFreeForm && !MessageRules.IsTimestamp(field.MessageType))
        {
            var before = violations.Count;
            CheckObject((JsonObject)value, MessageRules.For(field.MessageType), path, violations);
            return violations.Count == before;
        }
        return true;
    }

    /// <summary>Free-form JSON: the right container type, and no deeper than the validator's limit.</summary>
    private static Violation? FreeFormError(MessageDescriptor type, JsonNode value, JsonValueKind kind, List<object> path)
    {
        var typeError = type.FullName switch
        {
            "google.protobuf.Struct" => kind == JsonValueKind.Object ? null : Pydantic.DictType([.. path]),
            "google.protobuf.ListValue" => kind == JsonValueKind.Array ? null : Pydantic.ListType([.. path]),
            _ => null,
        };
        // Nesting depth is the validator's to report (MessageValidator.MaxFreeFormDepth), for both faces.
        return typeError
            ?? (HasLoneSurrogate(value) ? Pydantic.StringUnicode([.. path])
                : NumberProblem(value) is { } problem ? Pydantic.ValueError([.. path], problem)
                : null);
    }

    /// <summary>A string (or, in a container, any key or string) holding half of a UTF-16 surrogate pair: not Unicode text.</summary>
    /// <summary>Largest integer a free-form number (a protobuf double) holds exactly: 2^53.</summary>
    private const decimal MaxExactInteger = 9_007_199_254_740_992m;

    /// <summary>
    /// A number a free-form object cannot keep as sent — free-form values are protobuf doubles: one beyond
    /// double's range (1e400), or an integer beyond ±2^53 (it would come back changed). Null when all are fine.
    /// </summary>
    private static string? NumberProblem(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Select(p => NumberProblem(p.Value)).FirstOrDefault(p => p is not null),
        JsonArray array => array.Select(NumberProblem).FirstOrDefault(p => p is not null),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => NumberProblem(value.ToJsonString()),
        _ => null,
    };

    private static string? NumberProblem(string number)
    {
        if (!double.IsFinite(double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture)))
        {
            return "numbers must be finite";
        }
        var integer = number.AsSpan().IndexOfAny(".eE") < 0;
        return integer && (!decimal.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exact) || Math.Abs(exact) > MaxExactInteger)
            ? "integers beyond ±9007199254740992 (2^53) cannot be stored exactly; send them as strings"
            : null;
    }

    private static bool HasLoneSurrogate(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Any(p => IsBroken(p.Key) || HasLoneSurrogate(p.Value)),
        JsonArray array => array.Any(HasLoneSurrogate),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => Text(value) is not { } text || IsBroken(text),
        _ => false,
    };

    /// <summary>A JSON string's text, or null when its escapes do not decode to valid UTF-16.</summary>
    private static string? Text(JsonNode value)
    {
        try
        {
            return value.GetValue<string>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsBroken(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Container nesting, counted as <see cref="MessageValidator"/> counts Struct/ListValue levels.</summary>

    /// <summary>pydantic's lax integers: whole numbers, and strings holding one; in the field's range.</summary>
    private static Violation? IntegerError(FieldDescriptor field, JsonNode value, JsonValueKind kind, List<object> path)
    {
        var (min, max) = field.FieldType switch
        {
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => ((decimal)int.MinValue, (decimal)int.MaxValue),
            FieldType.UInt32 or FieldType.Fixed32 => (0m, (decimal)uint.MaxValue),
            FieldType.UInt64 or FieldType.Fixed64 => (0m, (decimal)ulong.MaxValue),
            _ => ((decimal)long.MinValue, (decimal)long.MaxValue),
        };
        decimal number;
        if (kind == JsonValueKind.Number)
        {
            if (!decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
            {
                return Pydantic.IntType([.. path]);
            }
            if (number != decimal.Truncate(number))
            {
                return Pydantic.IntFromFloat([.. path]);
            }
        }
        else if (kind == JsonValueKind.String)
        {
            if (!decimal.TryParse(Text(value)?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
            {
                return Pydantic.IntParsing([.. path]);
            }
        }
        else
        {
            return Pydantic.IntType([.. path]);
        }
        return number < min || number > max ? Pydantic.IntType([.. path]) : null;
    }

    /// <summary>An accepted integer written as a string or with a fraction/exponent, as a plain integer token; null when it already is one.</summary>
    private static JsonNode? LaxInteger(JsonNode value)
    {
        var kind = value.GetValueKind();
        var text = kind == JsonValueKind.String ? Text(value)?.Trim() : value.ToJsonString();
        if (text is null || (kind == JsonValueKind.Number && text.AsSpan().IndexOfAny(".eE") < 0))
        {
            return null;
        }
        var number = decimal.Truncate(decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        return number >= long.MinValue && number <= long.MaxValue ? JsonValue.Create((long)number) : JsonValue.Create((ulong)number);
    }

    private static bool IsInteger(FieldDescriptor field) => field.FieldType is FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32
        or FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 or FieldType.UInt32 or FieldType.Fixed32 or FieldType.UInt64 or FieldType.Fixed64;

    private static Violation TypeError(FieldDescriptor field, IReadOnlyList<object> path) => field.FieldType switch
    {
        FieldType.String or FieldType.Bytes => Pydantic.StringType(path),
        FieldType.Bool => Pydantic.BoolType(path),
        FieldType.Double or FieldType.Float => Pydantic.FloatType(path),
        FieldType.Enum => Pydantic.Enum(path, MessageRules.For(field.ContainingType).ByProtoName[field.Name].EnumNames),
        FieldType.Message when field.MessageType.FullName == "google.protobuf.Struct" => Pydantic.DictType(path),
        FieldType.Message when field.MessageType.FullName == "google.protobuf.ListValue" => Pydantic.ListType(path),
        FieldType.Message when MessageRules.IsTimestamp(field.MessageType) => Pydantic.DatetimeType(path),
        FieldType.Message => Pydantic.ModelAttributesType(path),
        _ => Pydantic.IntType(path),
    };
}
