using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Missions.Grpc.Errors;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// REST error responses, one table for every endpoint (docs/api.md → Errors): gRPC status code to HTTP
/// status, and the FastAPI bodies <c>{"detail": "..."}</c> and <c>{"detail": [ValidationError]}</c>.
/// </summary>
internal static class RestErrors
{
    /// <summary>Quotes and angle brackets as themselves, like FastAPI (the body is application/json, never HTML).</summary>
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>HTTP status for a gRPC status code.</summary>
    public static int HttpStatusFor(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => StatusCodes.Status422UnprocessableEntity,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.FailedPrecondition or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.ResourceExhausted => StatusCodes.Status413PayloadTooLarge, // message size; rate limits answer 429 themselves
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// Refuses a request before it reaches its handler, in the caller's protocol: a REST endpoint gets
    /// <c>{"detail": ...}</c> with the HTTP status for <paramref name="code"/>; a gRPC call gets a trailers-only
    /// response (status in the headers, no body).
    /// </summary>
    public static Task RejectAsync(HttpContext context, StatusCode code, string detail, int? httpStatus = null)
    {
        var response = context.Response;
        if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Grpc.JsonTranscoding.GrpcJsonTranscodingMetadata>() is null)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(detail);
            return Task.CompletedTask;
        }
        return WriteDetailAsync(response, httpStatus ?? HttpStatusFor(code), detail);
    }

    /// <summary>Writes <c>{"detail": "..."}</c> with the status's headers (401 challenge, 409 no-retry). A 500 says only "Internal server error".</summary>
    public static Task WriteDetailAsync(HttpResponse response, int status, string detail)
    {
        PrepareHeaders(response, status);
        if (status == StatusCodes.Status500InternalServerError)
        {
            detail = ErrorInterceptor.InternalDetail; // never internals or stack traces (other 5xx details are this API's own words)
        }
        return WriteJsonAsync(response, status, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("detail", detail);
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Writes the 422 <c>{"detail": [{"type","loc","msg","input"[,"ctx"]}]}</c>. <paramref name="locate"/>
    /// gives each violation its full <c>loc</c> and its <c>input</c> (the offending value as sent).
    /// </summary>
    public static Task WriteValidationAsync(
        HttpResponse response,
        IEnumerable<Violation> violations,
        Func<Violation, (IReadOnlyList<object> Loc, JsonNode? Input)> locate)
    {
        return WriteJsonAsync(response, StatusCodes.Status422UnprocessableEntity, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("detail");
            foreach (var violation in violations)
            {
                var (loc, input) = locate(violation);
                writer.WriteStartObject();
                writer.WriteString("type", violation.Type);
                writer.WriteStartArray("loc");
                foreach (var segment in loc)
                {
                    if (segment is int index)
                    {
                        writer.WriteNumberValue(index);
                    }
                    else
                    {
                        writer.WriteStringValue(segment.ToString());
                    }
                }
                writer.WriteEndArray();
                writer.WriteString("msg", violation.Message);
                writer.WritePropertyName("input");
                WriteInput(writer, input);
                if (violation.Context is { Count: > 0 } context)
                {
                    writer.WriteStartObject("ctx");
                    foreach (var (key, value) in context)
                    {
                        writer.WritePropertyName(key);
                        JsonSerializer.Serialize(writer, value, value.GetType());
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// The caller's value as sent: values read from the body are written from their raw JSON text,
    /// so a string that does not decode (a lone surrogate escape) is echoed rather than failing.
    /// </summary>
    private static void WriteInput(Utf8JsonWriter writer, JsonNode? input)
    {
        switch (input)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj)
                {
                    writer.WritePropertyName(key);
                    WriteInput(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteInput(writer, item);
                }
                writer.WriteEndArray();
                break;
            case JsonValue value when value.TryGetValue<JsonElement>(out var element):
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            default:
                input.WriteTo(writer);
                break;
        }
    }

    private static void PrepareHeaders(HttpResponse response, int status)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }
        if (status == StatusCodes.Status409Conflict)
        {
            // The official SDK retries 409 unless told not to; a conflict does not heal by retrying.
            response.Headers["x-should-retry"] = "false";
        }
    }

    private static async Task WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        await using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory);
    }
}
