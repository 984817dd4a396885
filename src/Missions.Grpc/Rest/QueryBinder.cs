using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.WebUtilities;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// Reads query parameters (named by field path, e.g. <c>page.size</c>) into the request message, so that they are
/// validated like any other field; values that are not of the field's type are reported as pydantic reports query
/// values (<c>int_parsing</c>, …). Unknown names are ignored.
/// </summary>
internal static partial class QueryBinder
{
    /// <summary>
    /// The query as FastAPI (Starlette) reads it: names compared exactly (<c>PAGE[SIZE]</c> is not <c>page[size]</c>),
    /// percent-decoded, <c>+</c> a space, the last value of a repeated name.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Parse(QueryString query)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in new QueryStringEnumerable(query.Value))
        {
            values[pair.DecodeName().ToString()] = pair.DecodeValue().ToString();
        }
        return values;
    }

    /// <summary>Sets the fields the query names (the spec's names: <c>status</c>, <c>page[size]</c>); other names are ignored.</summary>
    /// <param name="routeFields">Proto names of the fields bound from the route: a query parameter of the same name is ignored (the path wins).</param>
    public static List<Violation> Bind(IMessage message, IReadOnlyDictionary<string, string> query, IReadOnlySet<string> routeFields)
    {
        var violations = new List<Violation>();
        foreach (var (name, raw) in query)
        {
            if (!QueryName().IsMatch(name))
            {
                continue; // not one of the API's names (a field path, an unclosed bracket, …)
            }
            var path = QueryAliases.ToFieldPath(name).Split('.');
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
                if (Json.PydanticLax.BoolFromString(raw) is not { } flag)
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
                if (Json.PydanticLax.IntFromString(raw, at, out var number) is { } error)
                {
                    return error;
                }
                field.Accessor.SetValue(target, field.FieldType is FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64
                    ? (object)(long)System.Numerics.BigInteger.Clamp(number, long.MinValue, long.MaxValue)
                    : (int)System.Numerics.BigInteger.Clamp(number, int.MinValue, int.MaxValue));
                return null;
            default:
                return null; // no other query field types in the API
        }
    }

    /// <summary>A name the API's query can have: <c>status</c>, <c>page[size]</c>.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-z_]+(\[[a-z_]+\])*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex QueryName();
}
