using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.OpenApi.Any;
using Microsoft.OpenApi.Models;
using Missions.Grpc.Validation;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Missions.Grpc.OpenApi;

/// <summary>
/// Completes the generator's message and enum schemas from the proto's own annotations — the ones the server
/// enforces — so the document cannot drift from the behaviour: <c>(google.api.field_behavior) = REQUIRED</c>
/// gives <c>required</c> (on responses it marks what is always present), protovalidate's <c>string.uuid</c>
/// gives <c>format: uuid</c>, length and number bounds give their limits, and enums list only the spec's
/// strings (never the <c>*_UNSPECIFIED</c> zero value).
/// </summary>
internal sealed class ProtoSchemaFilter : ISchemaFilter
{
    public void Apply(OpenApiSchema schema, SchemaFilterContext context)
    {
        if (context.Type.IsEnum && context.Type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => f.GetCustomAttribute<OriginalNameAttribute>()).ToList() is { Count: > 0 } names && names.All(n => n is not null))
        {
            var values = context.Type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => Convert.ToInt32(f.GetValue(null), System.Globalization.CultureInfo.InvariantCulture) != 0)
                .Select(f => f.GetCustomAttribute<OriginalNameAttribute>()!.Name);
            schema.Type = "string";
            schema.Format = null;
            schema.Enum = values.Select(v => (IOpenApiAny)new OpenApiString(v)).ToList();
            return;
        }
        if (!typeof(IMessage).IsAssignableFrom(context.Type)
            || context.Type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is not MessageDescriptor descriptor
            || MessageRules.IsFreeForm(descriptor) || MessageRules.IsTimestamp(descriptor))
        {
            return;
        }
        // Unknown keys are ignored, never refused: the generator's "additionalProperties: false" would say otherwise.
        schema.AdditionalPropertiesAllowed = true;
        schema.AdditionalProperties = null;
        foreach (var rule in MessageRules.For(descriptor).Fields)
        {
            if (rule.Required)
            {
                schema.Required.Add(rule.JsonName);
            }
            if (!schema.Properties.TryGetValue(rule.JsonName, out var property) || property.Reference is not null)
            {
                continue;
            }
            if (rule.Field.FieldType == FieldType.Message && MessageRules.IsTimestamp(rule.Field.MessageType))
            {
                property.Format = "date-time"; // RFC 3339, as protobuf's JSON writes a Timestamp
            }
            var constraints = rule.Constraints;
            if (constraints?.String is { } text)
            {
                if (text.Uuid)
                {
                    property.Format = "uuid";
                }
                if (text.HasMaxLen)
                {
                    property.MaxLength = (int)text.MaxLen;
                }
                if (text.HasMinLen)
                {
                    property.MinLength = (int)text.MinLen;
                }
            }
            if (constraints?.Int32 is { } number)
            {
                if (number.HasGte)
                {
                    property.Minimum = number.Gte;
                }
                if (number.HasGt)
                {
                    property.Minimum = number.Gt;
                    property.ExclusiveMinimum = true;
                }
                if (number.HasLte)
                {
                    property.Maximum = number.Lte;
                }
            }
            if (constraints?.Repeated is { } list && list.HasMaxItems)
            {
                property.MaxItems = (int)list.MaxItems;
            }
        }
    }
}
