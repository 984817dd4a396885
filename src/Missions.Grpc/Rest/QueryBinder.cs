using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// Reads query parameters (named by field path, e.g. <c>page.size</c>) into the request message, so that they are
/// validated like any other field; values that are not of the field's type are reported as pydantic reports query
/// values (<c>int_parsing</c>, …). Unknown names are ignored.
/// </summary>
internal static class QueryBinder
{
    /// <summary>Sets the fields named in <paramref name="query"/> (the last of a repeated name).</summary>
    /// <param name="routeFields">Proto names of the fields bound from the route: a query parameter of the same name is ignored (the path wins).</param>
    public static List<Violation> Bind(IMessage message, IQueryCollection query, IReadOnlySet<string> routeFields)
    {
        var violations = new List<Violation>();
        foreach (var (name, values) in query)
        {
            var raw = values.Count > 0 ? values[^1] ?? "" : "";
            var path = name.Split('.');
            if (path.Length == 1 && MessageRules.For(message.Descriptor).ByJsonName.GetValueOrDefault(name) is { } routeRule
                && routeFields.Contains(routeRule.Field.Name))
            {
                continue;
            }
            var target = message;
            FieldDescriptor? field = null;
            for (var i = 0; i < path.Length; i++)
            {
                field = MessageRules.For(target.Descriptor).ByJsonName.GetValueOrDefault(path[i])?.Field;
                if (field is null || field.IsRepeated || field.IsMap)
                {
                    field = null;
                    break;
                }
                if (i < path.Length - 1)
                {
                    if (field.FieldType != FieldType.Message)
                    {
                        field = null;
                        break;
                    }
                    var child = (IMessage?)field.Accessor.GetValue(target);
                    if (child is null)
                    {
                        child = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                        field.Accessor.SetValue(target, child);
                    }
                    target = child;
                }
            }
            if (field is null or { FieldType: FieldType.Message or FieldType.Bytes or FieldType.Double or FieldType.Float })
            {
                continue; // binds to no scalar this API takes from a query
            }
            if (Set(target, field, raw, path) is { } error)
            {
                violations.Add(error);
            }
        }
        return violations;
    }

    private static Violation? Set(IMessage target, FieldDescriptor field, string raw, string[] path)
    {
        var at = path.Cast<object>().ToArray();
        switch (field.FieldType)
        {
            case FieldType.String:
                field.Accessor.SetValue(target, raw);
                return null;
            case FieldType.Bool:
                if (!bool.TryParse(raw, out var flag))
                {
                    return new Violation(at, "bool_parsing", "Input should be a valid boolean, unable to interpret input");
                }
                field.Accessor.SetValue(target, flag);
                return null;
            case FieldType.Enum:
                var value = field.EnumType.Values.FirstOrDefault(v => v.Number != 0 && v.Name == raw);
                if (value is null)
                {
                    return Pydantic.Enum(at, MessageRules.For(field.ContainingType).ByProtoName[field.Name].EnumNames);
                }
                field.Accessor.SetValue(target, value.Number);
                return null;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                // pydantic reads any whole number; one beyond the field's range is clamped, so the
                // field's bounds (e.g. page[size] <= 1000) report it as pydantic would.
                if (!decimal.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    return Pydantic.IntParsing(at);
                }
                field.Accessor.SetValue(target, field.FieldType is FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64
                    ? (object)(long)Math.Clamp(number, long.MinValue, long.MaxValue)
                    : (int)Math.Clamp(number, int.MinValue, int.MaxValue));
                return null;
            default:
                return null; // no other query field types in the API
        }
    }
}
