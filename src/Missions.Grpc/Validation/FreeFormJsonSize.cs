using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Missions.Grpc.Validation;

/// <summary>
/// The UTF-8 bytes of a free-form value's compact JSON (as the REST face writes it), counted without writing it, and
/// abandoned as soon as it passes a limit.
/// </summary>
internal static class FreeFormJsonSize
{
    /// <summary>Whether <paramref name="value"/> (a Struct, Value or ListValue) takes more than <paramref name="limit"/> bytes.</summary>
    public static bool Above(IMessage value, long limit)
    {
        var size = 0L;
        return !Fits(value, ref size, limit);
    }

    private static bool Fits(IMessage message, ref long size, long limit) => message switch
    {
        Struct s => Object(s, ref size, limit),
        ListValue l => Array(l, ref size, limit),
        Value v => Fits(v, ref size, limit),
        _ => true,
    };

    private static bool Object(Struct value, ref long size, long limit)
    {
        size += 2 + Math.Max(0, value.Fields.Count - 1); // braces, commas
        foreach (var (key, field) in value.Fields)
        {
            size += Text(key) + 1; // "key":
            if (size > limit || !Fits(field, ref size, limit))
            {
                return false;
            }
        }
        return size <= limit;
    }

    private static bool Array(ListValue value, ref long size, long limit)
    {
        size += 2 + Math.Max(0, value.Values.Count - 1);
        foreach (var item in value.Values)
        {
            if (size > limit || !Fits(item, ref size, limit))
            {
                return false;
            }
        }
        return size <= limit;
    }

    private static bool Fits(Value value, ref long size, long limit)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.StructValue:
                return Object(value.StructValue, ref size, limit);
            case Value.KindOneofCase.ListValue:
                return Array(value.ListValue, ref size, limit);
            case Value.KindOneofCase.StringValue:
                size += Text(value.StringValue);
                break;
            case Value.KindOneofCase.NumberValue:
                size += value.NumberValue.ToString("R", CultureInfo.InvariantCulture).Length;
                break;
            case Value.KindOneofCase.BoolValue:
                size += value.BoolValue ? 4 : 5;
                break;
            default:
                size += 4; // null
                break;
        }
        return size <= limit;
    }

    /// <summary>A JSON string: its escaped UTF-8 bytes and two quotes.</summary>
    private static long Text(string text) => JsonEncodedText.Encode(text).EncodedUtf8Bytes.Length + 2;
}
