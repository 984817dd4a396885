using Microsoft.OpenApi.Any;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Missions.Grpc.OpenApi;

/// <summary>The error bodies REST callers get: the spec's 422 (FastAPI's), and <c>{"detail": "..."}</c> for the rest.</summary>
internal sealed class ValidationErrorDocumentFilter : IDocumentFilter
{
    public const string HttpValidationError = "HTTPValidationError";
    public const string ValidationError = "ValidationError";
    public const string ErrorDetail = "ErrorDetail";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var schemas = document.Components.Schemas;
        schemas[ValidationError] = new OpenApiSchema
        {
            Type = "object",
            Title = ValidationError,
            Required = new SortedSet<string> { "loc", "msg", "type" },
            Properties = new Dictionary<string, OpenApiSchema>
            {
                ["loc"] = new()
                {
                    Type = "array",
                    Title = "Location",
                    Items = new OpenApiSchema { AnyOf = [new OpenApiSchema { Type = "string" }, new OpenApiSchema { Type = "integer" }] },
                },
                ["msg"] = new() { Type = "string", Title = "Message" },
                ["type"] = new() { Type = "string", Title = "Error Type" },
                ["input"] = new() { Title = "Input", Description = "The offending value, as sent." },
                ["ctx"] = new() { Type = "object", Title = "Context", AdditionalPropertiesAllowed = true },
            },
        };
        schemas[ErrorDetail] = new OpenApiSchema
        {
            Type = "object",
            Title = ErrorDetail,
            Required = new SortedSet<string> { "detail" },
            Properties = new Dictionary<string, OpenApiSchema> { ["detail"] = new() { Type = "string", Title = "Detail" } },
        };
        schemas.Remove("GoogleRpcStatus"); // the transcoder's error shape, which REST callers never get
        schemas.Remove("GoogleProtobufWellKnownTypesAny");
        schemas[HttpValidationError] = new OpenApiSchema
        {
            Type = "object",
            Title = HttpValidationError,
            Properties = new Dictionary<string, OpenApiSchema>
            {
                ["detail"] = new()
                {
                    Type = "array",
                    Title = "Detail",
                    Items = new OpenApiSchema { Reference = new OpenApiReference { Type = ReferenceType.Schema, Id = ValidationError } },
                },
            },
            Example = new OpenApiObject(),
        };
    }
}
