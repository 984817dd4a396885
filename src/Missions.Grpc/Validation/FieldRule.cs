using Google.Api;
using Google.Protobuf.Reflection;
using BufFieldRules = Buf.Validate.FieldRules;

namespace Missions.Grpc.Validation;

/// <summary>What a field of a request message declares, read once from its descriptor.</summary>
internal sealed class FieldRule
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
