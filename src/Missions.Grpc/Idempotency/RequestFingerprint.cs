using System.Security.Cryptography;
using Google.Protobuf;

namespace Missions.Grpc.Idempotency;

/// <summary>
/// What identifies a request under an <c>Idempotency-Key</c>: its method and its request message — the path values and
/// the body, whichever face sent them — in a canonical form (fields by number, map entries by key, so the order of a
/// JSON object's keys makes no difference), hashed with SHA-256.
/// </summary>
public static class RequestFingerprint
{
    public static string Of(string method, IMessage request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            output.WriteString(method);
            Write(output, request);
        }
        hash.AppendData(buffer.GetBuffer(), 0, (int)buffer.Length);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static void Write(CodedOutputStream output, IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var map = (System.Collections.IDictionary)value;
                if (map.Count == 0)
                {
                    continue;
                }
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteInt32(map.Count);
                foreach (var key in map.Keys.Cast<object>().OrderBy(k => Convert.ToString(k, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal))
                {
                    output.WriteString(Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture)!);
                    WriteValue(output, map[key]);
                }
            }
            else if (field.IsRepeated)
            {
                var items = (System.Collections.IList)value;
                if (items.Count == 0)
                {
                    continue;
                }
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteInt32(items.Count);
                foreach (var item in items)
                {
                    WriteValue(output, item);
                }
            }
            else if (field.HasPresence ? field.Accessor.HasValue(message) : !IsDefault(value))
            {
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                WriteValue(output, value);
            }
        }
    }

    private static void WriteValue(CodedOutputStream output, object? value)
    {
        switch (value)
        {
            case null:
                output.WriteRawTag(0);
                break;
            case IMessage message:
                output.WriteRawTag(1);
                Write(output, message);
                output.WriteRawTag(2);
                break;
            case string text:
                output.WriteString(text);
                break;
            case ByteString bytes:
                output.WriteBytes(bytes);
                break;
            case bool flag:
                output.WriteBool(flag);
                break;
            case double number:
                output.WriteDouble(number);
                break;
            case float number:
                output.WriteFloat(number);
                break;
            case Enum:
                output.WriteInt64(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                output.WriteString(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
                break;
        }
    }

    private static bool IsDefault(object? value) => value switch
    {
        null => true,
        string text => text.Length == 0,
        ByteString bytes => bytes.IsEmpty,
        bool flag => !flag,
        Enum => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) == 0,
        IMessage => false,
        _ => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture) == 0,
    };
}
