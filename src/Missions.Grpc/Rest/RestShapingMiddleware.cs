using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Missions.Grpc.Telemetry;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// The REST face as a thin adapter over the gRPC service, one mechanism for every transcoded endpoint, driven by what
/// the method's descriptor declares:
/// <list type="bullet">
/// <item>the request is read once: the body (bounded: 413) straight into the request message by
/// <see cref="RestBodyReader"/>, route values and query into the same message; the message is handed to the handler
/// (<see cref="RestMessageInterceptor"/>) and validated there once, like a gRPC request. The transcoder still routes
/// and answers, but its copy of the body is <c>{}</c>: it has nothing left to read.</item>
/// <item>a body that does not read as the message (JSON types, enum names, …) gets the whole pydantic 422 at once,
/// with what the validator finds in the rest of it;</item>
/// <item>the answer is written once, streamed: the declared success status (201, or 204 with no body) is set when the
/// transcoder starts writing, before the response starts; only error answers are held and rewritten per
/// <see cref="RestErrors"/>.</item>
/// </list>
/// </summary>
internal sealed class RestShapingMiddleware(
    RequestDelegate next,
    MessageValidator validator,
    IOptions<RestOptions> options,
    ApiMetrics metrics,
    ILogger<RestShapingMiddleware> logger)
{
    /// <summary>Reads the google.rpc.Status the transcoder writes on errors, details included.</summary>
    internal static readonly TypeRegistry ErrorTypes = TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor, ErrorsReflection.Descriptor);

    /// <summary>The content type of a streamed REST response.</summary>
    public const string NdjsonContentType = "application/x-ndjson; charset=utf-8";

    /// <summary>What the transcoder is given to read: the message was read already.</summary>
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    private static readonly JsonParser StatusParser =
        new(JsonParser.Settings.Default.WithTypeRegistry(ErrorTypes).WithIgnoreUnknownFields(true));

    public async Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>();
        if (metadata is null)
        {
            await next(context);
            return;
        }
        var method = RestMethod.For(metadata.MethodDescriptor, metadata.HttpRule);
        var limits = options.Value;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (RestMethod.HasDotSegment(rawTarget))
        {
            await RestErrors.WriteDetailAsync(context.Response, StatusCodes.Status404NotFound, "Not Found");
            return;
        }
        if (method.RouteValuesFromRawTarget(rawTarget) is { } raw)
        {
            foreach (var (name, value) in raw)
            {
                context.Request.RouteValues[name] = value; // what the transcoder routes by, too
            }
        }
        var routeValues = context.Request.RouteValues
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value!.ToString()!, StringComparer.Ordinal);
        var query = QueryBinder.Parse(context.Request.QueryString);

        byte[]? body = null;
        if (method.HasBody)
        {
            try
            {
                body = await ReadBodyAsync(context, limits.MaxRequestBodyBytes);
            }
            catch (BadHttpRequestException error) when (error.StatusCode != StatusCodes.Status413PayloadTooLarge)
            {
                // The body ended early or broke HTTP framing (often a client that went away mid-request): the
                // caller's problem, answered in the API's shape if anyone is still listening, never an error log.
                RestLog.BodyUnreadable(logger, error);
                await RestErrors.WriteDetailAsync(context.Response, error.StatusCode, "The request body could not be read: " + error.Message);
                return;
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return; // the client is gone
            }
            if (body is null)
            {
                await RestErrors.WriteDetailAsync(context.Response, StatusCodes.Status413PayloadTooLarge,
                    $"Request body too large: the limit is {limits.MaxRequestBodyBytes} bytes");
                return;
            }
        }
        var input = method.Method.InputType;
        var message = input.Parser.ParseFrom(ByteString.Empty);
        var reading = method.HasBody
            ? RestBodyReader.Read(message, body, method.BodyRequired, method.BodyField, method.RouteFields, limits.MaxJsonDepth)
            : new RestBodyReader.Outcome([], null, null);
        var request = new RestRequest(method, routeValues, query, context.Request.Headers, reading.Document);
        if (reading.Unreadable is { } unreadable)
        {
            metrics.Invalid(input.Name);
            await RestErrors.WriteDetailAsync(context.Response, StatusCodes.Status400BadRequest, unreadable); // FastAPI's answer to a body Python cannot decode
            return;
        }
        var violations = reading.Violations;
        if (violations.Any(v => v.Type == "json_invalid"))
        {
            metrics.Invalid(input.Name);
            await RestErrors.WriteValidationAsync(context.Response, violations, request.Locate); // not JSON: FastAPI says that alone
            return;
        }
        SetRouteFields(message, method, routeValues);
        if (!method.HasBody)
        {
            violations.AddRange(QueryBinder.Bind(message, query, method.RouteFields));
        }
        if (violations.Count > 0)
        {
            metrics.Invalid(input.Name);
            await RestErrors.WriteValidationAsync(context.Response, RestRequest.Merge(violations, validator.Validate(message), input, method), request.Locate);
            return;
        }

        context.Features.Set(new RestRequestMessage(message));
        context.Request.QueryString = QueryString.Empty;
        if (method.HasBody)
        {
            context.Request.Body = new MemoryStream(EmptyObject, writable: false);
            context.Request.ContentLength = EmptyObject.Length;
            context.Request.ContentType = "application/json";
        }
        else
        {
            // No content type: the transcoder reads the charset of one even where no body is read, and an unknown
            // charset made it throw (a 500).
            context.Request.ContentType = null;
        }
        await RespondAsync(context, method, request);
    }

    /// <summary>
    /// Runs the call with the answer passing through from its first write when that write comes with a success status
    /// (set to the declared one then); an error answer is held and rewritten.
    /// </summary>
    private async Task RespondAsync(HttpContext context, RestMethod method, RestRequest request)
    {
        var response = context.Response;
        var original = response.Body;
        await using var probe = new ResponseProbe(original, () =>
        {
            if (response.StatusCode != StatusCodes.Status200OK)
            {
                return ResponseProbe.Decision.Hold;
            }
            response.StatusCode = method.SuccessStatus;
            if (method.SuccessStatus == StatusCodes.Status204NoContent)
            {
                response.Headers.ContentType = default;
                return ResponseProbe.Decision.Drop;
            }
            if (method.IsStreaming)
            {
                response.ContentType = NdjsonContentType; // one JSON object per line, not one JSON document
            }
            return ResponseProbe.Decision.PassThrough;
        });
        response.Body = probe;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }
        if (probe.Held is { } held)
        {
            await WriteErrorAsync(context, held, request);
        }
    }

    private static void SetRouteFields(IMessage message, RestMethod method, IReadOnlyDictionary<string, string> routeValues)
    {
        foreach (var name in method.RouteFields)
        {
            var field = message.Descriptor.FindFieldByName(name);
            if (field is { FieldType: FieldType.String, IsRepeated: false } && routeValues.TryGetValue(field.Name, out var value))
            {
                field.Accessor.SetValue(message, value);
            }
        }
    }

    /// <summary>Rewrites the transcoder's error body (a google.rpc.Status) as this API's REST error.</summary>
    private async Task WriteErrorAsync(HttpContext context, MemoryStream buffer, RestRequest request)
    {
        var response = context.Response;
        response.Headers.ContentType = default;
        response.ContentLength = null;
        var status = ReadStatus(buffer, response.StatusCode);
        var code = (StatusCode)status.Code;
        if (code == StatusCode.InvalidArgument && status.GetDetail<ErrorInfo>()?.Reason == Errors.ErrorInterceptor.IdempotencyKeyReusedReason)
        {
            await RestErrors.WriteDetailAsync(response, StatusCodes.Status422UnprocessableEntity, status.Message);
            return;
        }
        if (code == StatusCode.InvalidArgument)
        {
            // The typed detail the error interceptor wrote; an INVALID_ARGUMENT without one (a message the transcoder
            // could not read) is reported as a value error of the request as a whole.
            var violations = status.GetDetail<RequestViolations>() is { Violations.Count: > 0 } detail
                ? ViolationDetails.FromDetail(detail)
                : [Pydantic.ValueError([], status.Message)];
            await RestErrors.WriteValidationAsync(response, violations, request.Locate);
            return;
        }
        if (code == StatusCode.ResourceExhausted && status.GetDetail<ErrorInfo>()?.Reason == Errors.ErrorInterceptor.QuotaExceededReason)
        {
            response.Headers["x-should-retry"] = "false"; // no Retry-After, and the SDKs must not retry: waiting does not help
            await RestErrors.WriteDetailAsync(response, StatusCodes.Status429TooManyRequests, status.Message);
            return;
        }
        if (status.GetDetail<RetryInfo>()?.RetryDelay is { } retryDelay)
        {
            response.Headers.RetryAfter = ((long)Math.Ceiling(retryDelay.ToTimeSpan().TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await RestErrors.WriteDetailAsync(response, RestErrors.HttpStatusFor(code), status.Message);
    }

    private Google.Rpc.Status ReadStatus(MemoryStream buffer, int httpStatus)
    {
        try
        {
            buffer.Position = 0;
            using var reader = new StreamReader(buffer);
            return StatusParser.Parse<Google.Rpc.Status>(reader);
        }
        catch (Exception error) when (error is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            RestLog.NoStatusBody(logger, httpStatus);
            return new Google.Rpc.Status
            {
                Code = (int)(httpStatus switch
                {
                    StatusCodes.Status404NotFound => StatusCode.NotFound,
                    StatusCodes.Status400BadRequest => StatusCode.InvalidArgument,
                    StatusCodes.Status415UnsupportedMediaType => StatusCode.InvalidArgument,
                    _ => StatusCode.Internal,
                }),
                Message = httpStatus == StatusCodes.Status404NotFound ? "Not found" : "Invalid request",
            };
        }
    }

    /// <summary>The whole body, or null when it exceeds <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, int limit)
    {
        if (context.Request.ContentLength > limit)
        {
            return null;
        }
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit;
        }
        // Buffered by Kestrel's pipe until complete, then copied once into an array of the body's exact size.
        var reader = context.Request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted);
                var buffer = result.Buffer;
                if (buffer.Length > limit)
                {
                    reader.AdvanceTo(buffer.End);
                    return null;
                }
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException(context.RequestAborted);
                }
                if (result.IsCompleted)
                {
                    var body = buffer.ToArray();
                    reader.AdvanceTo(buffer.End);
                    return body;
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }
}
