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
/// through <see cref="TranscoderBridge"/> and validated there once, like a gRPC request. The transcoder still routes
/// and answers, with nothing left to read.</item>
/// <item>a body that does not read as the message (JSON types, enum names, …) gets the whole pydantic 422 at once,
/// with what the validator finds in the rest of it;</item>
/// <item>the answer is written once, streamed under the declared success status (201, or 204 with no body); an error
/// comes back from the bridge as a google.rpc.Status, rewritten per <see cref="RestErrors"/>.</item>
/// </list>
/// </summary>
internal sealed class RestShapingMiddleware(
    RequestDelegate next,
    MessageValidator validator,
    TranscoderBridge bridge,
    IOptions<RestOptions> options,
    ApiMetrics metrics,
    ILogger<RestShapingMiddleware> logger)
{
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

        if (await bridge.CallAsync(context, method, message, next) is { } failure)
        {
            await WriteErrorAsync(context, failure, request);
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

    /// <summary>Writes the transcoder's error (a google.rpc.Status) as this API's REST error.</summary>
    private static async Task WriteErrorAsync(HttpContext context, Google.Rpc.Status status, RestRequest request)
    {
        var response = context.Response;
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
