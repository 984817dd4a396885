using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// Reads a REST request body into its request message in one pass over the JSON (a <see cref="Utf8JsonReader"/>, no
/// document), the way FastAPI/pydantic reads it: JSON types checked against the field types as each value is read (a
/// number where a string belongs, an enum that is not one of its names, pydantic's lax integers), unknown keys ignored,
/// a key given twice keeping its last value, <c>null</c> meaning absent except for a required field. Every problem is
/// reported at once, with its path in the message; a body that is not JSON at all is one <c>json_invalid</c>. Value
/// rules (lengths, UUIDs, bounds) are the validator's, run once after this.
/// </summary>
internal static class RestBodyReader
{
    /// <summary>Largest integer a free-form number (a protobuf double) holds exactly: 2^53 (a decimal: a double converted to decimal keeps 15 digits).</summary>
    private const decimal MaxExactInteger = 9_007_199_254_740_992m;

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    /// <summary>
    /// Reads <paramref name="body"/> (null when none was sent) into <paramref name="message"/>; returns the problems
    /// found (none when the body is well formed for the message). <paramref name="bodyField"/> names the one field the
    /// body is (an http rule <c>body: "field"</c>), else the body is the message; <paramref name="ignored"/> holds the
    /// proto names of fields the body may not set (those bound from the route).
    /// </summary>
    public static List<Violation> Read(IMessage message, byte[]? body, bool bodyRequired, FieldDescriptor? bodyField, IReadOnlySet<string> ignored, int maxDepth)
    {
        var violations = new List<Violation>();
        ReadOnlySpan<byte> json = body;
        if (json.StartsWith("\uFEFF"u8))
        {
            json = json[3..]; // a UTF-8 byte order mark, which Python's json accepts
        }
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            if (bodyRequired)
            {
                violations.Add(Pydantic.Missing([]));
                return violations;
            }
            json = EmptyObject;
        }
        if (FirstInvalidUtf8(json) is { } badByte)
        {
            // Strings are checked lazily by the reader; the body is refused whole, as Python's decoder does.
            violations.Add(Pydantic.JsonInvalid(badByte, $"'utf-8' codec can't decode byte 0x{json[badByte]:x2} in position {badByte}"));
            return violations;
        }
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                if (bodyRequired)
                {
                    violations.Add(Pydantic.Missing([])); // JSON null for a required body: FastAPI's "Field required"
                }
            }
            else if (bodyField is not null)
            {
                var rule = MessageRules.For(message.Descriptor).ByProtoName[bodyField.Name];
                var path = new List<object> { rule.JsonName };
                if (ReadValue(ref reader, rule, path, violations) is { } value)
                {
                    Set(message, rule.Field, value);
                }
            }
            else if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                violations.Add(Pydantic.ModelAttributesType([]));
            }
            else
            {
                ReadObject(ref reader, message, ignored, [], violations);
            }
            reader.Read(); // past the value: throws at anything but white space
        }
        catch (JsonException error)
        {
            violations.Clear(); // not JSON: FastAPI reports that alone
            violations.Add(Pydantic.JsonInvalid(Offset(json, error), Describe(error)));
        }
        catch (InvalidOperationException error) when (reader.TokenType == JsonTokenType.PropertyName)
        {
            violations.Clear(); // an object key that is not valid UTF-16
            violations.Add(Pydantic.JsonInvalid(0, error.Message));
        }
        return violations;
    }

    /// <summary>An object's members into <paramref name="message"/>; the reader is on its <c>{</c> and ends on its <c>}</c>.</summary>
    private static void ReadObject(ref Utf8JsonReader reader, IMessage message, IReadOnlySet<string> ignored, List<object> path, List<Violation> violations)
    {
        var rules = MessageRules.For(message.Descriptor);
        var seen = 0UL;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var rule = Find(ref reader, rules);
            reader.Read();
            if (rule is null || ignored.Contains(rule.Field.Name))
            {
                reader.Skip(); // ignored, as pydantic ignores extra keys (and a body field named like a path field)
                continue;
            }
            path.Add(rule.JsonName);
            var bit = 1UL << (rule.Field.Index & 63);
            if ((seen & bit) != 0)
            {
                // A key given twice keeps its last value (Python's json): forget what the first one set or broke.
                rule.Field.Accessor.Clear(message);
                violations.RemoveAll(v => StartsWith(v.Path, path));
            }
            seen |= bit;
            if (ReadValue(ref reader, rule, path, violations) is { } value)
            {
                Set(message, rule.Field, value);
            }
            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>The field whose JSON name the current property name is; null for an unknown key.</summary>
    private static FieldRule? Find(ref Utf8JsonReader reader, MessageRules rules)
    {
        foreach (var rule in rules.Fields)
        {
            if (reader.ValueTextEquals(rule.JsonNameUtf8))
            {
                return rule;
            }
        }
        return null;
    }

    /// <summary>
    /// The value of a field (a list for a repeated one), or null when it is absent (<c>null</c> for an optional field)
    /// or broken (the problem is recorded). The reader is on the value's first token and ends on its last.
    /// </summary>
    private static object? ReadValue(ref Utf8JsonReader reader, FieldRule rule, List<object> path, List<Violation> violations)
    {
        var field = rule.Field;
        if (reader.TokenType == JsonTokenType.Null)
        {
            if (rule.Required)
            {
                violations.Add(TypeError(rule, [.. path]));
            }
            return null;
        }
        if (field.IsMap)
        {
            reader.Skip();
            violations.Add(Pydantic.ValueError([.. path], "maps are not read from JSON here"));
            return null;
        }
        if (!field.IsRepeated)
        {
            return ReadSingle(ref reader, rule, path, violations);
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            violations.Add(Pydantic.ListType([.. path]));
            return null;
        }
        var items = new List<object>();
        var ok = true;
        for (var index = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; index++)
        {
            path.Add(index);
            if (reader.TokenType == JsonTokenType.Null)
            {
                violations.Add(TypeError(rule, [.. path]));
                ok = false;
            }
            else if (ReadSingle(ref reader, rule, path, violations) is { } item)
            {
                items.Add(item);
            }
            else
            {
                ok = false;
            }
            path.RemoveAt(path.Count - 1);
        }
        if (items.Count == 0 && ok && rule.Required)
        {
            violations.Add(Pydantic.ListTooShort([.. path], 1, 0)); // a required list needs an item
            return null;
        }
        return ok ? items : null;
    }

    /// <summary>One value of a field's type, or null when it is broken (recorded).</summary>
    private static object? ReadSingle(ref Utf8JsonReader reader, FieldRule rule, List<object> path, List<Violation> violations)
    {
        var field = rule.Field;
        var token = reader.TokenType;
        Violation? error = null;
        object? value = null;
        switch (field.FieldType)
        {
            case FieldType.String:
                if (token != JsonTokenType.String)
                {
                    error = Pydantic.StringType([.. path]);
                }
                else if (TryGetString(ref reader, out var text))
                {
                    value = text;
                }
                else
                {
                    error = Pydantic.StringUnicode([.. path]);
                }
                break;
            case FieldType.Bool:
                if (token is JsonTokenType.True or JsonTokenType.False)
                {
                    value = token == JsonTokenType.True;
                }
                else
                {
                    error = Pydantic.BoolType([.. path]);
                }
                break;
            case FieldType.Double or FieldType.Float:
                if (token == JsonTokenType.Number && reader.TryGetDouble(out var number))
                {
                    value = field.FieldType == FieldType.Float ? (object)(float)number : number;
                }
                else
                {
                    error = Pydantic.FloatType([.. path]);
                }
                break;
            case FieldType.Enum:
                var known = token == JsonTokenType.String && TryGetString(ref reader, out var name)
                    ? field.EnumType.FindValueByName(name)
                    : null;
                if (known is { Number: not 0 } && rule.EnumNames.Contains(known.Name))
                {
                    value = known.Number;
                }
                else
                {
                    error = Pydantic.Enum([.. path], rule.EnumNames);
                }
                break;
            case FieldType.Bytes:
                if (token == JsonTokenType.String && TryGetString(ref reader, out var encoded) && TryBase64(encoded, out var bytes))
                {
                    value = bytes;
                }
                else
                {
                    error = token == JsonTokenType.String ? Pydantic.ValueError([.. path], "bytes must be base64") : Pydantic.StringType([.. path]);
                }
                break;
            case FieldType.Message when rule.IsFreeForm:
                return ReadFreeForm(ref reader, rule, path, violations);
            case FieldType.Message when MessageRules.IsTimestamp(field.MessageType):
                if (token == JsonTokenType.String && TryGetString(ref reader, out var stamp)
                    && DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var moment))
                {
                    value = Timestamp.FromDateTimeOffset(moment);
                }
                else
                {
                    error = Pydantic.DatetimeType([.. path]);
                }
                break;
            case FieldType.Message:
                if (token != JsonTokenType.StartObject)
                {
                    error = Pydantic.ModelAttributesType([.. path]);
                    break;
                }
                var nested = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                var before = violations.Count;
                ReadObject(ref reader, nested, EmptySet, path, violations);
                return violations.Count == before ? nested : null;
            default:
                value = ReadInteger(ref reader, field, path, out error);
                break;
        }
        if (error is not null)
        {
            reader.Skip();
            violations.Add(error);
            return null;
        }
        return value;
    }

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();

    /// <summary>pydantic's lax integers: whole numbers (also <c>1.0</c>, <c>1e2</c>) and strings holding one; in the field's range.</summary>
    private static object? ReadInteger(ref Utf8JsonReader reader, FieldDescriptor field, List<object> path, out Violation? error)
    {
        var (min, max) = field.FieldType switch
        {
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => ((decimal)int.MinValue, (decimal)int.MaxValue),
            FieldType.UInt32 or FieldType.Fixed32 => (0m, (decimal)uint.MaxValue),
            FieldType.UInt64 or FieldType.Fixed64 => (0m, (decimal)ulong.MaxValue),
            _ => ((decimal)long.MinValue, (decimal)long.MaxValue),
        };
        decimal number;
        error = null;
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!decimal.TryParse(Encoding.UTF8.GetString(reader.ValueSpan), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
            {
                error = Pydantic.IntType([.. path]);
                return null;
            }
            if (number != decimal.Truncate(number))
            {
                error = Pydantic.IntFromFloat([.. path]);
                return null;
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            if (!TryGetString(ref reader, out var text)
                || !decimal.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
            {
                error = Pydantic.IntParsing([.. path]);
                return null;
            }
        }
        else
        {
            error = Pydantic.IntType([.. path]);
            return null;
        }
        if (number < min || number > max)
        {
            error = Pydantic.IntType([.. path]);
            return null;
        }
        return field.FieldType switch
        {
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (object)(int)number,
            FieldType.UInt32 or FieldType.Fixed32 => (uint)number,
            FieldType.UInt64 or FieldType.Fixed64 => (ulong)number,
            _ => (long)number,
        };
    }

    /// <summary>
    /// A free-form value (<c>Struct</c>, <c>ListValue</c>, <c>Value</c>) built as it is read: the right container, and
    /// only what it can keep as sent — text that is Unicode, numbers within a double's range and, for integers, within
    /// ±2^53 (beyond, a double would change them). Null when broken (one problem for the whole value, recorded).
    /// </summary>
    private static IMessage? ReadFreeForm(ref Utf8JsonReader reader, FieldRule rule, List<object> path, List<Violation> violations)
    {
        var type = rule.Field.MessageType.FullName;
        if (type == Struct.Descriptor.FullName && reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            violations.Add(Pydantic.DictType([.. path]));
            return null;
        }
        if (type == ListValue.Descriptor.FullName && reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            violations.Add(Pydantic.ListType([.. path]));
            return null;
        }
        var problems = new FreeFormProblems();
        var value = ReadJsonValue(ref reader, ref problems);
        if (problems.BrokenText)
        {
            violations.Add(Pydantic.StringUnicode([.. path]));
            return null;
        }
        if (problems.Number is { } number)
        {
            violations.Add(Pydantic.ValueError([.. path], number));
            return null;
        }
        return type == Struct.Descriptor.FullName ? value.StructValue
            : type == ListValue.Descriptor.FullName ? value.ListValue
            : value;
    }

    private struct FreeFormProblems
    {
        public bool BrokenText;
        public string? Number;
    }

    private static Value ReadJsonValue(ref Utf8JsonReader reader, ref FreeFormProblems problems)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var fields = new Struct();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!; // a key that is not valid UTF-16 throws: the body is not JSON (json_invalid)
                    reader.Read();
                    fields.Fields[key] = ReadJsonValue(ref reader, ref problems); // a key given twice: the last wins
                }
                return Value.ForStruct(fields);
            case JsonTokenType.StartArray:
                var list = new ListValue();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Values.Add(ReadJsonValue(ref reader, ref problems));
                }
                return Value.ForList(list.Values.ToArray());
            case JsonTokenType.String:
                if (!TryGetString(ref reader, out var text))
                {
                    problems.BrokenText = true;
                    text = "";
                }
                return Value.ForString(text);
            case JsonTokenType.Number:
                var number = reader.TryGetDouble(out var d) ? d
                    : double.Parse(Encoding.UTF8.GetString(reader.ValueSpan), NumberStyles.Float, CultureInfo.InvariantCulture); // ±∞ beyond range, 0 below
                if (!double.IsFinite(number))
                {
                    problems.Number ??= "numbers must be finite";
                }
                else if (Math.Abs(number) >= (double)MaxExactInteger && IsIntegerToken(reader.ValueSpan) && !ExactlyRepresentable(reader.ValueSpan))
                {
                    problems.Number ??= "integers beyond ±9007199254740992 (2^53) cannot be stored exactly; send them as strings";
                }
                return Value.ForNumber(number);
            case JsonTokenType.True:
                return Value.ForBool(true);
            case JsonTokenType.False:
                return Value.ForBool(false);
            default:
                return Value.ForNull();
        }
    }

    private static bool IsIntegerToken(ReadOnlySpan<byte> token) => token.IndexOfAny("eE."u8) < 0;

    /// <summary>An integer token within ±2^53.</summary>
    private static bool ExactlyRepresentable(ReadOnlySpan<byte> token) =>
        decimal.TryParse(Encoding.UTF8.GetString(token), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exact)
        && Math.Abs(exact) <= MaxExactInteger;

    private static bool TryGetString(ref Utf8JsonReader reader, out string text)
    {
        try
        {
            text = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = ""; // escapes that do not decode to valid UTF-16 (a lone surrogate)
            return false;
        }
    }

    private static bool TryBase64(string text, out ByteString bytes)
    {
        try
        {
            bytes = ByteString.FromBase64(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = ByteString.Empty;
            return false;
        }
    }

    private static void Set(IMessage message, FieldDescriptor field, object value)
    {
        if (field.IsRepeated)
        {
            var list = (System.Collections.IList)field.Accessor.GetValue(message);
            foreach (var item in (List<object>)value)
            {
                list.Add(item);
            }
        }
        else
        {
            field.Accessor.SetValue(message, value);
        }
    }

    private static Violation TypeError(FieldRule rule, IReadOnlyList<object> path) => rule.Field.FieldType switch
    {
        FieldType.String or FieldType.Bytes => Pydantic.StringType(path),
        FieldType.Bool => Pydantic.BoolType(path),
        FieldType.Double or FieldType.Float => Pydantic.FloatType(path),
        FieldType.Enum => Pydantic.Enum(path, rule.EnumNames),
        FieldType.Message when rule.Field.MessageType.FullName == Struct.Descriptor.FullName => Pydantic.DictType(path),
        FieldType.Message when rule.Field.MessageType.FullName == ListValue.Descriptor.FullName => Pydantic.ListType(path),
        FieldType.Message when MessageRules.IsTimestamp(rule.Field.MessageType) => Pydantic.DatetimeType(path),
        FieldType.Message => Pydantic.ModelAttributesType(path),
        _ => Pydantic.IntType(path),
    };

    private static bool StartsWith(IReadOnlyList<object> path, List<object> prefix)
    {
        if (path.Count < prefix.Count)
        {
            return false;
        }
        for (var i = 0; i < prefix.Count; i++)
        {
            if (!Equals(path[i], prefix[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Offset of the first byte that is not part of valid UTF-8, or null when all of it is.</summary>
    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return null;
        }
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }
            offset += consumed;
        }
        return null;
    }

    /// <summary>Where the JSON went wrong, in characters, as Python's json module reports it (FastAPI's parser).</summary>
    private static int Offset(ReadOnlySpan<byte> body, JsonException error)
    {
        if (IsTruncated(body))
        {
            return Encoding.UTF8.GetCharCount(body); // cut short: the error is at the end of the input
        }
        var line = error.LineNumber ?? 0;
        var offset = 0;
        for (var i = 0; i < body.Length && line > 0; i++)
        {
            if (body[i] == (byte)'\n')
            {
                line--;
                offset = i + 1;
            }
        }
        var position = offset + (int)(error.BytePositionInLine ?? 0);
        // pydantic counts characters, not bytes.
        return Encoding.UTF8.GetCharCount(body[..Math.Min(position, body.Length)]);
    }

    /// <summary>The body is valid JSON so far but ends before the value does.</summary>
    private static bool IsTruncated(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
            }
            return true; // ran out of input without a syntax error: the body was cut short
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Describe(JsonException error)
    {
        var message = error.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}
