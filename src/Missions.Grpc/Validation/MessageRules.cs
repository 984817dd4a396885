using System.Collections.Concurrent;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Missions.Grpc.Validation;

/// <summary>The rules of one message type, cached per descriptor.</summary>
internal sealed class MessageRules
{
    private static readonly ConcurrentDictionary<MessageDescriptor, MessageRules> Cache = new();

    private MessageRules(MessageDescriptor descriptor)
    {
        Descriptor = descriptor;
        Fields = descriptor.Fields.InDeclarationOrder().Select(f => new FieldRule(f)).ToArray();
        ByJsonName = Fields.ToDictionary(f => f.JsonName, StringComparer.Ordinal);
        ByProtoName = Fields.ToDictionary(f => f.Field.Name, StringComparer.Ordinal);
    }

    public MessageDescriptor Descriptor { get; }

    public IReadOnlyList<FieldRule> Fields { get; }

    public IReadOnlyDictionary<string, FieldRule> ByJsonName { get; }

    public IReadOnlyDictionary<string, FieldRule> ByProtoName { get; }

    public static MessageRules For(MessageDescriptor descriptor) => Cache.GetOrAdd(descriptor, d => new MessageRules(d));

    internal static bool IsFreeForm(MessageDescriptor type) =>
        type.FullName is "google.protobuf.Struct" or "google.protobuf.Value" or "google.protobuf.ListValue";

    internal static bool IsTimestamp(MessageDescriptor type) => type.FullName == Timestamp.Descriptor.FullName;
}
