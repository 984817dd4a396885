using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Missions.Grpc.Idempotency;

/// <summary>
/// What identifies a request under an <c>Idempotency-Key</c>: its method and its request message — the path values and
/// the body, whichever face sent them — in canonical form, hashed with SHA-256. The canonical form is the message's
/// protobuf encoding (fields by number, whichever face or JSON key order produced it; an optional field set to its
/// default differs from one left absent) with every map's entries in key order: the encoder writes a map in insertion
/// order, so a JSON object's key order would otherwise count. Only when some map (a <c>Struct</c>'s, at any depth) is
/// out of order is a copy sorted; the caller's message is never changed (its answer keeps the caller's key order).
/// </summary>
internal static class RequestFingerprint
{
    /// <summary>Per message type, the fields through which a map can be reached (maps included); empty for most types.</summary>
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> MapPaths = new();

    public static string Of(string method, IMessage request)
    {
        var message = MapsInOrder(request) ? request : SortedCopy(request);
        var methodLength = Encoding.UTF8.GetByteCount(method);
        var length = methodLength + 1 + message.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(method, buffer);
            buffer[written] = 0; // method names hold no NUL: method and message cannot run into each other
            message.WriteTo(buffer.AsSpan(methodLength + 1, length - methodLength - 1));
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, length), hash);
            return Convert.ToHexString(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>True when every map reachable in <paramref name="message"/> already holds its entries in key order.</summary>
    private static bool MapsInOrder(IMessage message)
    {
        foreach (var field in PathsOf(message.Descriptor))
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var map = (IDictionary)value;
                object? previous = null;
                var first = true;
                var entries = map.GetEnumerator(); // IDictionary's: a map's own enumerator yields KeyValuePairs
                while (entries.MoveNext())
                {
                    var entry = entries.Entry;
                    if (!first && CompareKeys(previous!, entry.Key) > 0)
                    {
                        return false;
                    }
                    (previous, first) = (entry.Key, false);
                    if (entry.Value is IMessage nested && !MapsInOrder(nested))
                    {
                        return false;
                    }
                }
            }
            else if (field.IsRepeated)
            {
                foreach (var item in (IList)value)
                {
                    if (!MapsInOrder((IMessage)item))
                    {
                        return false;
                    }
                }
            }
            else if (value is IMessage nested && !MapsInOrder(nested))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A deep copy of <paramref name="message"/> whose maps hold their entries in key order.</summary>
    private static IMessage SortedCopy(IMessage message)
    {
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteString()); // generated types clone only as their own type
        Sort(copy);
        return copy;
    }

    private static void Sort(IMessage message)
    {
        foreach (var field in PathsOf(message.Descriptor))
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var map = (IDictionary)value;
                var entries = new List<DictionaryEntry>(map.Count);
                var enumerator = map.GetEnumerator();
                while (enumerator.MoveNext())
                {
                    entries.Add(enumerator.Entry);
                }
                entries.Sort((a, b) => CompareKeys(a.Key, b.Key));
                map.Clear();
                foreach (var entry in entries)
                {
                    if (entry.Value is IMessage nested)
                    {
                        Sort(nested);
                    }
                    map.Add(entry.Key, entry.Value);
                }
            }
            else if (field.IsRepeated)
            {
                foreach (var item in (IList)value)
                {
                    Sort((IMessage)item);
                }
            }
            else if (value is IMessage nested)
            {
                Sort(nested);
            }
        }
    }

    /// <summary>Map keys are strings, integers or booleans: strings by ordinal, the rest by value.</summary>
    private static int CompareKeys(object a, object b) =>
        a is string x && b is string y ? string.CompareOrdinal(x, y) : Comparer.Default.Compare(a, b);

    private static FieldDescriptor[] PathsOf(MessageDescriptor type) => MapPaths.GetOrAdd(type, static t =>
        t.Fields.InFieldNumberOrder().Where(f => f.IsMap || (f.FieldType == FieldType.Message && ReachesMap(f.MessageType, []))).ToArray());

    private static bool ReachesMap(MessageDescriptor type, HashSet<MessageDescriptor> seen) =>
        seen.Add(type) && type.Fields.InFieldNumberOrder().Any(f => f.IsMap || (f.FieldType == FieldType.Message && ReachesMap(f.MessageType, seen)));
}
