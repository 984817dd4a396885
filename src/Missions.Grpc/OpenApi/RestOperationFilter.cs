using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.OpenApi.Models;
using Missions.Grpc.Rest;
using Missions.Grpc.Validation;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Missions.Grpc.OpenApi;

/// <summary>
/// Completes each operation from what the REST layer obeys for its method (<see cref="RestMethod"/>): the
/// declared success status (201, or 204 with no body), the 422 every operation can answer, and query
/// parameters under their REST names (<c>page[size]</c>, not <c>page.size</c>).
/// </summary>
internal sealed class RestOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault();
        if (metadata is null)
        {
            return;
        }
        var method = RestMethod.For(metadata.MethodDescriptor, metadata.HttpRule);
        operation.OperationId = metadata.MethodDescriptor.Service.Name + "_" + metadata.MethodDescriptor.Name;
        Describe(operation, metadata.MethodDescriptor);

        if (method.SuccessStatus != StatusCodes.Status200OK && operation.Responses.Remove("200", out var success))
        {
            if (method.SuccessStatus == StatusCodes.Status204NoContent)
            {
                success.Content.Clear();
            }
            success.Description = method.SuccessStatus == StatusCodes.Status201Created ? "Created" : "No Content";
            operation.Responses[method.SuccessStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)] = success;
        }
        if (method.IsStreaming && operation.Responses.TryGetValue("200", out var stream)
            && stream.Content.Remove("application/json", out var item))
        {
            stream.Description = "A stream of updates: one JSON object (the schema below) per line, written as they happen (NDJSON).";
            stream.Content["application/x-ndjson"] = item;
        }
        operation.Responses["422"] = new OpenApiResponse
        {
            Description = "Validation Error",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Reference = new OpenApiReference { Type = ReferenceType.Schema, Id = ValidationErrorDocumentFilter.HttpValidationError },
                    },
                },
            },
        };
        operation.Responses["default"] = new OpenApiResponse
        {
            Description = "Error (401, 404, 409, 413, ...): {\"detail\": \"...\"}",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new()
                {
                    Schema = new OpenApiSchema { Reference = new OpenApiReference { Type = ReferenceType.Schema, Id = ValidationErrorDocumentFilter.ErrorDetail } },
                },
            },
        };
        if (Idempotency.IdempotencyInterceptor.MutatingMethods.Contains($"/{metadata.MethodDescriptor.Service.FullName}/{metadata.MethodDescriptor.Name}"))
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Idempotency-Key",
                In = ParameterLocation.Header,
                Required = false,
                Description = "Makes the request safe to retry: the first request with a key is processed and its answer kept " +
                              "(24 h by default); the same request again with the key gets that answer, header `Idempotent-Replayed: true`, " +
                              "and changes nothing; the key with a different request is 422. Scoped to the organization.",
                Schema = new OpenApiSchema { Type = "string", MinLength = 1, MaxLength = Idempotency.IdempotencyInterceptor.MaxKeyLength, Pattern = "^[\\x20-\\x7e]+$" },
            });
        }
        var input = MessageRules.For(metadata.MethodDescriptor.InputType);
        foreach (var parameter in operation.Parameters)
        {
            if (parameter.In == ParameterLocation.Query)
            {
                if (FieldAt(metadata.MethodDescriptor.InputType, parameter.Name.Split('.'))?.Constraints?.Int32 is { } bounds)
                {
                    // The bounds the validator enforces (page[number] >= 1, 0 < page[size] <= 1000).
                    parameter.Schema.Minimum = bounds.HasGte ? bounds.Gte : bounds.HasGt ? bounds.Gt + 1 : parameter.Schema.Minimum;
                    parameter.Schema.Maximum = bounds.HasLte ? bounds.Lte : bounds.HasLt ? bounds.Lt - 1 : parameter.Schema.Maximum;
                }
                parameter.Name = QueryAliases.ToQueryName(parameter.Name.Split('.'));
            }
            else if (parameter.In == ParameterLocation.Path && input.ByJsonName.TryGetValue(parameter.Name, out var field)
                     && field.Constraints?.String is { Uuid: true })
            {
                parameter.Schema.Format = "uuid";
            }
        }
        if (operation.RequestBody is { } body)
        {
            body.Required = method.BodyRequired;
            // The body of `body: "*"` is the request message without its route fields.
            if (method.Http.Body == "*" && method.RouteFields.Count > 0
                && body.Content.TryGetValue("application/json", out var json) && json.Schema?.Reference?.Id is { } id
                && context.SchemaRepository.Schemas.TryGetValue(id, out var message))
            {
                foreach (var routeField in method.RouteFields)
                {
                    var name = MessageRules.For(metadata.MethodDescriptor.InputType).ByProtoName[routeField].JsonName;
                    message.Properties.Remove(name);
                    message.Required.Remove(name);
                }
            }
        }
    }

    /// <summary>
    /// The proto comment ("Create mission: stores a new mission …") becomes a short summary (its first sentence or
    /// clause) and the description (the whole comment), which ends with the gRPC method behind the operation.
    /// </summary>
    private static void Describe(OpenApiOperation operation, Google.Protobuf.Reflection.MethodDescriptor method)
    {
        var comment = (operation.Summary ?? operation.Description ?? "").Trim();
        var end = new[] { comment.IndexOf(": ", StringComparison.Ordinal), comment.IndexOf(". ", StringComparison.Ordinal), comment.IndexOf('\n', StringComparison.Ordinal) }
            .Where(index => index > 0).DefaultIfEmpty(comment.Length).Min();
        operation.Summary = end > 0 ? comment[..end].TrimEnd('.') : method.Name;
        operation.Description = (comment.Length > 0 ? comment + "\n\n" : "") + $"gRPC: `{method.Service.FullName}/{method.Name}`.";
    }

    /// <summary>The rule of the field at a dotted JSON path (<c>page.size</c>), or null.</summary>
    private static FieldRule? FieldAt(Google.Protobuf.Reflection.MessageDescriptor message, string[] path)
    {
        FieldRule? rule = null;
        foreach (var name in path)
        {
            if (message is null || !MessageRules.For(message).ByJsonName.TryGetValue(name, out rule))
            {
                return null;
            }
            message = rule.Field.FieldType == Google.Protobuf.Reflection.FieldType.Message ? rule.Field.MessageType : null!;
        }
        return rule;
    }
}
