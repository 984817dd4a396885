using System.Collections.Concurrent;
using Google.Api;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using BufFieldRules = Buf.Validate.FieldRules;

namespace Missions.Grpc.Validation;

/// <summary>What a field of a request message declares, read once from its descriptor.</summary>
public sealed class FieldRule
{
    internal FieldRule(FieldDescriptor field)
    {
        Field = field;
        JsonName = field.JsonName;
        JsonNameUtf8 = System.Text.Encoding.UTF8.GetBytes(JsonName);
        Required = field.GetOptions()?.GetExtension(FieldBehaviorExtensions.FieldBehavior)?.Contains(FieldBehavior.Required) ?? false;
        Constraints = field.GetOptions()?.GetExtension(Buf.Validate.ValidateExtensions.Field);
        if (field.FieldType == FieldType.Enum)
        {
            // Spec strings only: the zero value (<ENUM>_UNSPECIFIED) is never a valid input.
            EnumNames = field.EnumType.Values.Where(v => v.Number != 0).Select(v => v.Name).ToArray();
        }
    }

    public FieldDescriptor Field { get; }

    /// <summary>The field's JSON name (equal to its snake_case name by the contract rules).</summary>
    public string JsonName { get; }

    /// <summary>The JSON name in UTF-8, to compare with a JSON reader's property names.</summary>
    public byte[] JsonNameUtf8 { get; }

    /// <summary><c>(google.api.field_behavior) = REQUIRED</c>.</summary>
    public bool Required { get; }

    /// <summary>The field's protovalidate rules, if any.</summary>
    public BufFieldRules? Constraints { get; }

    /// <summary>For enum fields, the accepted value names in declaration order.</summary>
    public IReadOnlyList<string> EnumNames { get; } = [];

    /// <summary>The field holds free-form JSON (<c>Struct</c>, <c>Value</c>, <c>ListValue</c>).</summary>
    public bool IsFreeForm => Field.FieldType == FieldType.Message && MessageRules.IsFreeForm(Field.MessageType);
}

/// <summary>The rules of one message type, cached per descriptor.</summary>
public sealed class MessageRules
{
    private static readonly ConcurrentDictionary<MessageDescriptor, MessageRules> Cache = new();

    private MessageRules(MessageDescriptor descriptor)
    {
        Descriptor = descriptor;
        Fields = descriptor.Fields.InDeclarationOrder().Select(f => new FieldRule(f)).ToArray();
        Checked = Fields.Where(f => f.Required || f.Field.FieldType == FieldType.Message).ToArray();
        ByJsonName = Fields.ToDictionary(f => f.JsonName, StringComparer.Ordinal);
        ByProtoName = Fields.ToDictionary(f => f.Field.Name, StringComparer.Ordinal);
    }

    public MessageDescriptor Descriptor { get; }

    public IReadOnlyList<FieldRule> Fields { get; }

    /// <summary>The fields the validator walks: required ones, and messages (free-form or nested), in declaration order.</summary>
    internal FieldRule[] Checked { get; }

    public IReadOnlyDictionary<string, FieldRule> ByJsonName { get; }

    public IReadOnlyDictionary<string, FieldRule> ByProtoName { get; }

    public static MessageRules For(MessageDescriptor descriptor) => Cache.GetOrAdd(descriptor, d => new MessageRules(d));

    internal static bool IsFreeForm(MessageDescriptor type) =>
        type.FullName is "google.protobuf.Struct" or "google.protobuf.Value" or "google.protobuf.ListValue";

    internal static bool IsTimestamp(MessageDescriptor type) => type.FullName == Timestamp.Descriptor.FullName;
}
