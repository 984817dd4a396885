using System.Globalization;
using System.Numerics;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Rest.Json;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// Reads a REST request body into its request message as FastAPI reads one: the bytes are decoded as Python's JSON
/// decoder does (<see cref="PythonJson"/>), then each value is converted to its field's protobuf type by pydantic's lax
/// rules (<see cref="PydanticLax"/>). This class is the protobuf side: which field a key is, how a list, a nested
/// message, an enum or a free-form value (<c>Struct</c>) is built. Unknown keys are ignored; <c>null</c> means absent
/// except for a required field; every problem is reported at once, with its path, and what could be read is kept so
/// that the validator (lengths, UUIDs, bounds: run once after this) reports the rest of the body too.
/// </summary>
internal static class RestBodyReader
{
    /// <summary>Largest integer a free-form number (a protobuf double) holds exactly: 2^53.</summary>
    private static readonly BigInteger MaxExactInteger = BigInteger.Pow(2, 53);

    /// <summary>The problems found; why the body could not be read at all (FastAPI's 400), if so; the decoded body (to quote inputs).</summary>
    public readonly record struct Outcome(List<Violation> Violations, string? Unreadable, PythonJson.Node? Document);

    /// <summary>
    /// Reads <paramref name="body"/> (null when none was sent) into <paramref name="message"/>.
    /// Whatever its content type says, the body is read as JSON (FastAPI validates the raw bytes of a body sent as, say,
    /// <c>application/x-www-form-urlencoded</c> — curl's default for <c>-d</c> — and refuses them: a departure, docs/api.md).
    /// <paramref name="bodyField"/> names the one field the body is (an http rule <c>body: "field"</c>),
    /// else the body is the message; <paramref name="ignored"/> holds the proto names of fields the body may not set
    /// (those bound from the route).
    /// </summary>
    public static Outcome Read(IMessage message, byte[]? body, bool bodyRequired, FieldDescriptor? bodyField,
        IReadOnlySet<string> ignored, int maxDepth)
    {
        var violations = new List<Violation>();
        PythonJson.Node? document = null;
        if (body is { Length: > 0 })
        {
            var parsed = PythonJson.Parse(body, maxDepth);
            if (parsed.Undecodable)
            {
                return new Outcome(violations, "There was an error parsing the body", null);
            }
            if (parsed.TooDeep)
            {
                return new Outcome(violations, $"There was an error parsing the body: JSON nested deeper than {maxDepth} levels (Rest:MaxJsonDepth)", null);
            }
            if (parsed.Error is { } error)
            {
                violations.Add(Pydantic.JsonInvalid(parsed.Position, error));
                return new Outcome(violations, null, document);
            }
            document = parsed.Value;
        }
        if (document is null or PythonJson.Null)
        {
            if (bodyRequired)
            {
                violations.Add(Pydantic.Missing([])); // no body, or JSON null: FastAPI's "Field required" at ["body"]
            }
            return new Outcome(violations, null, document);
        }
        if (bodyField is not null)
        {
            var rule = MessageRules.For(message.Descriptor).ByProtoName[bodyField.Name];
            ReadField(message, rule, document, [rule.JsonName], violations);
        }
        else if (document is PythonJson.Object members)
        {
            ReadObject(members, message, ignored, [], violations);
        }
        else
        {
            violations.Add(Pydantic.ModelAttributesType([]));
        }
        return new Outcome(violations, null, document);
    }

    private static void ReadObject(PythonJson.Object members, IMessage message, IReadOnlySet<string> ignored, List<object> path, List<Violation> violations)
    {
        var rules = MessageRules.For(message.Descriptor);
        foreach (var (key, value) in members.Members)
        {
            if (!rules.ByJsonName.TryGetValue(key, out var rule) || ignored.Contains(rule.Field.Name))
            {
                continue; // ignored, as pydantic ignores extra keys (and a body field named like a path field)
            }
            path.Add(rule.JsonName);
            ReadField(message, rule, value, path, violations);
            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>Sets the field from <paramref name="node"/>, or records why it cannot be.</summary>
    private static void ReadField(IMessage message, FieldRule rule, PythonJson.Node node, List<object> path, List<Violation> violations)
    {
        var field = rule.Field;
        if (node is PythonJson.Null)
        {
            if (rule.Required)
            {
                violations.Add(TypeError(rule, [.. path]));
            }
            return; // null for an optional field: absent
        }
        if (field.IsMap)
        {
            violations.Add(Pydantic.ValueError([.. path], "maps are not read from JSON here"));
            return;
        }
        if (!field.IsRepeated)
        {
            if (ReadSingle(rule, node, path, violations) is { } value)
            {
                field.Accessor.SetValue(message, value);
            }
            return;
        }
        if (node is not PythonJson.Array array)
        {
            violations.Add(Pydantic.ListType([.. path]));
            return;
        }
        if (array.Items.Count == 0 && rule.Required)
        {
            violations.Add(Pydantic.ListTooShort([.. path], 1, 0)); // a required list needs an item
            return;
        }
        var list = (System.Collections.IList)field.Accessor.GetValue(message);
        for (var index = 0; index < array.Items.Count; index++)
        {
            path.Add(index);
            var item = array.Items[index] is PythonJson.Null
                ? Broken(TypeError(rule, [.. path]), violations)
                : ReadSingle(rule, array.Items[index], path, violations);
            list.Add(item ?? Placeholder(field)); // each item keeps its index, so the validator's paths are the caller's
            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>Records <paramref name="violation"/>; null, for the value that could not be read.</summary>
    private static object? Broken(Violation violation, List<Violation> violations)
    {
        violations.Add(violation);
        return null;
    }

    /// <summary>Records <paramref name="violation"/> when there is one; whether there was.</summary>
    private static bool Failed(Violation? violation, List<Violation> violations)
    {
        if (violation is not null)
        {
            violations.Add(violation);
        }
        return violation is not null;
    }

    /// <summary>Stands for an item that could not be read (its problem is recorded; the validator's findings inside it are dropped).</summary>
    private static object Placeholder(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message => field.MessageType.Parser.ParseFrom(ByteString.Empty),
        FieldType.String => "",
        FieldType.Bytes => ByteString.Empty,
        FieldType.Bool => false,
        FieldType.Double => 0d,
        FieldType.Float => 0f,
        FieldType.Enum => 0,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
        FieldType.UInt64 or FieldType.Fixed64 => 0UL,
        FieldType.UInt32 or FieldType.Fixed32 => 0U,
        _ => 0,
    };

    /// <summary>One value of the field's type, or null when it cannot be read (recorded).</summary>
    private static object? ReadSingle(FieldRule rule, PythonJson.Node node, List<object> path, List<Violation> violations)
    {
        var field = rule.Field;
        IReadOnlyList<object> at = path; // PydanticLax copies it when it reports a problem
        switch (field.FieldType)
        {
            case FieldType.String:
                return Failed(PydanticLax.Str(node, at, out var text), violations) ? null : text;
            case FieldType.Bool:
                return Failed(PydanticLax.Bool(node, at, out var flag), violations) ? null : flag;
            case FieldType.Double:
                return Failed(PydanticLax.Float(node, at, out var real), violations) ? null : real;
            case FieldType.Float:
                return Failed(PydanticLax.Float(node, at, out var single), violations) ? null : (float)single;
            case FieldType.Enum:
                return Failed(PydanticLax.Enum(node, rule.EnumNames, at, out var name), violations) ? null : field.EnumType.FindValueByName(name).Number;
            case FieldType.Bytes:
                return Failed(PydanticLax.Str(node, at, out var encoded), violations) ? null
                    : TryBase64(encoded) ?? Broken(Pydantic.ValueError([.. path], "bytes must be base64"), violations);
            case FieldType.Message when rule.IsFreeForm:
                return FreeForm(field.MessageType, node, [.. path], violations);
            case FieldType.Message when MessageRules.IsTimestamp(field.MessageType):
                return node is PythonJson.String stamp
                    && DateTimeOffset.TryParse(stamp.Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var moment)
                    ? Timestamp.FromDateTimeOffset(moment)
                    : Broken(Pydantic.DatetimeType([.. path]), violations);
            case FieldType.Message:
                if (node is not PythonJson.Object members)
                {
                    return Broken(Pydantic.ModelAttributesType([.. path]), violations);
                }
                var nested = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                ReadObject(members, nested, EmptySet, path, violations); // kept with what it holds: its other problems are the validator's
                return nested;
            default:
                var (min, max) = Range(field.FieldType);
                if (Failed(PydanticLax.Int(node, at, out var whole), violations) || Failed(PydanticLax.InRange(whole, min, max, at), violations))
                {
                    return null;
                }
                return field.FieldType switch
                {
                    FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (object)(int)whole,
                    FieldType.UInt32 or FieldType.Fixed32 => (uint)whole,
                    FieldType.UInt64 or FieldType.Fixed64 => (ulong)whole,
                    _ => (long)whole,
                };
        }
    }

    private static (BigInteger Min, BigInteger Max) Range(FieldType type) => type switch
    {
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int.MinValue, int.MaxValue),
        FieldType.UInt32 or FieldType.Fixed32 => (0, uint.MaxValue),
        FieldType.UInt64 or FieldType.Fixed64 => (0, ulong.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();

    /// <summary>
    /// A free-form value (<c>Struct</c>, <c>ListValue</c>, <c>Value</c>): anything pydantic's <c>dict[str, Any]</c> takes,
    /// as long as protobuf can keep it as sent — text without lone surrogates, finite numbers, integers within ±2^53.
    /// One problem for the whole value.
    /// </summary>
    private static IMessage? FreeForm(MessageDescriptor type, PythonJson.Node node, IReadOnlyList<object> path, List<Violation> violations)
    {
        if (type.FullName == Struct.Descriptor.FullName && node is not PythonJson.Object)
        {
            violations.Add(Pydantic.DictType(path));
            return null;
        }
        if (type.FullName == ListValue.Descriptor.FullName && node is not PythonJson.Array)
        {
            violations.Add(Pydantic.ListType(path));
            return null;
        }
        string? problem = null;
        var value = ToValue(node, ref problem);
        if (problem is not null)
        {
            violations.Add(problem == "unicode" ? Pydantic.StringUnicode(path) : Pydantic.ValueError(path, problem));
            return null;
        }
        return type.FullName == Struct.Descriptor.FullName ? value.StructValue
            : type.FullName == ListValue.Descriptor.FullName ? value.ListValue
            : value;
    }

    private static Value ToValue(PythonJson.Node node, ref string? problem)
    {
        switch (node)
        {
            case PythonJson.Object members:
                var fields = new Struct();
                foreach (var (key, member) in members.Members)
                {
                    if (!PydanticLax.IsStorable(key))
                    {
                        problem ??= "unicode";
                    }
                    fields.Fields[key] = ToValue(member, ref problem);
                }
                return Value.ForStruct(fields);
            case PythonJson.Array array:
                var list = new Value[array.Items.Count];
                for (var i = 0; i < list.Length; i++)
                {
                    list[i] = ToValue(array.Items[i], ref problem);
                }
                return Value.ForList(list);
            case PythonJson.String text:
                if (!PydanticLax.IsStorable(text.Value))
                {
                    problem ??= "unicode";
                }
                return Value.ForString(text.Value);
            case PythonJson.Number { IsFloat: false } integer:
                var exact = integer.AsInteger();
                if (BigInteger.Abs(exact) > MaxExactInteger)
                {
                    problem ??= "integers beyond ±9007199254740992 (2^53) cannot be stored exactly; send them as strings";
                }
                return Value.ForNumber((double)exact);
            case PythonJson.Number number:
                var real = number.AsDouble();
                if (!double.IsFinite(real))
                {
                    problem ??= "numbers must be finite";
                }
                return Value.ForNumber(real);
            case PythonJson.Bool flag:
                return Value.ForBool(flag.Value);
            default:
                return Value.ForNull();
        }
    }

    private static ByteString? TryBase64(string text)
    {
        try
        {
            return ByteString.FromBase64(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static Violation TypeError(FieldRule rule, IReadOnlyList<object> path) => rule.Field.FieldType switch
    {
        _ when rule.Field.IsRepeated && (path.Count == 0 || path[^1] is not int) => Pydantic.ListType(path),
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
}
