using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest;

/// <summary>
/// Makes every transcoded endpoint answer like the FastAPI-built Telnyx API, from what the method's
/// descriptor declares — one mechanism for all endpoints, nothing per endpoint:
/// <list type="bullet">
/// <item>the body size limit (413);</item>
/// <item>the request checked before transcoding (<see cref="RestRequest"/>): 422 with pydantic errors;</item>
/// <item>the declared success status (201, or 204 with no body) instead of the transcoder's 200;</item>
/// <item>the transcoder's <c>{"code":..}</c> error bodies rewritten per <see cref="RestErrors"/>.</item>
/// </list>
/// </summary>
public sealed class RestShapingMiddleware(
    RequestDelegate next,
    MessageValidator validator,
    IOptions<RestOptions> options,
    ILogger<RestShapingMiddleware> logger)
{
    /// <summary>Reads the google.rpc.Status the transcoder writes on errors, details included.</summary>
    internal static readonly TypeRegistry ErrorTypes = TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor, ErrorsReflection.Descriptor);

    /// <summary>The content type of a streamed REST response.</summary>
    public const string NdjsonContentType = "application/x-ndjson; charset=utf-8";

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
                context.Request.RouteValues[name] = value; // what the transcoder binds, too
            }
        }
        var routeValues = context.Request.RouteValues
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value!.ToString()!, StringComparer.Ordinal);
        context.Request.QueryString = QueryAliases.ToFieldPaths(context.Request.QueryString);
        var request = new RestRequest(method, routeValues, context.Request.Query);

        byte[]? body = null;
        if (method.HasBody)
        {
            body = await ReadBodyAsync(context, limits.MaxRequestBodyBytes);
            if (body is null)
            {
                await RestErrors.WriteDetailAsync(context.Response, StatusCodes.Status413PayloadTooLarge,
                    $"Request body too large: the limit is {limits.MaxRequestBodyBytes} bytes");
                return;
            }
        }
        var violations = request.Validate(body, limits.MaxJsonDepth, validator);
        if (violations.Count > 0)
        {
            await RestErrors.WriteValidationAsync(context.Response, violations, request.Locate);
            return;
        }
        if (!method.HasBody)
        {
            // Hand the transcoder exactly the query we checked, and no content type: it reads the charset
            // of one even where no body is read, and an unknown charset made it throw (a 500).
            context.Request.QueryString = QueryString.Create(request.BoundQuery!);
            context.Request.ContentType = null;
        }
        else
        {
            // Hand the transcoder exactly the bytes we checked, as JSON whatever the caller labelled them.
            context.Request.Body = new MemoryStream(request.Body, writable: false);
            context.Request.ContentLength = request.Body.Length;
            context.Request.ContentType = "application/json";
        }

        if (method.IsStreaming)
        {
            await ShapeStreamAsync(context, request);
            return;
        }
        await ShapeResponseAsync(context, method, request);
    }

    /// <summary>
    /// A streamed response goes to the caller as it is written, unless the call fails before its first
    /// message: then the transcoder's error body is held back and rewritten like any other error.
    /// </summary>
    private async Task ShapeStreamAsync(HttpContext context, RestRequest request)
    {
        var response = context.Response;
        var original = response.Body;
        await using var probe = new FirstWriteProbe(original, () =>
        {
            if (response.StatusCode != StatusCodes.Status200OK)
            {
                return false;
            }
            response.ContentType = NdjsonContentType; // one JSON object per line, not one JSON document
            return true;
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

    private async Task ShapeResponseAsync(HttpContext context, RestMethod method, RestRequest request)
    {
        var response = context.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }

        if (response.StatusCode == StatusCodes.Status200OK)
        {
            response.StatusCode = method.SuccessStatus;
            if (method.SuccessStatus == StatusCodes.Status204NoContent)
            {
                response.Headers.ContentType = default;
                response.ContentLength = null;
                return;
            }
            response.ContentLength = buffer.Length;
            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
            return;
        }

        await WriteErrorAsync(context, buffer, request);
    }

    /// <summary>Rewrites the transcoder's error body (a google.rpc.Status) as this API's REST error.</summary>
    private async Task WriteErrorAsync(HttpContext context, MemoryStream buffer, RestRequest request)
    {
        var response = context.Response;
        response.Headers.ContentType = default;
        response.ContentLength = null;
        var status = ReadStatus(buffer, response.StatusCode);
        var code = (StatusCode)status.Code;
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
            logger.LogWarning("Transcoded call answered HTTP {Status} without a gRPC status body", httpStatus);
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
        using var copy = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (copy.Length + read > limit)
                {
                    return null;
                }
                copy.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return copy.ToArray();
    }
}

/// <summary>
/// Passes a streamed response through from its first write when that write happens with a success status;
/// otherwise holds everything written (an error body) for rewriting. Nothing reaches the caller, headers
/// included, before the first write decides.
/// </summary>
internal sealed class FirstWriteProbe(Stream inner, Func<bool> succeeded) : Stream
{
    private bool? _passThrough;

    /// <summary>What was written when the first write came with an error status; null otherwise.</summary>
    public MemoryStream? Held { get; private set; }

    private Stream Target()
    {
        _passThrough ??= succeeded();
        if (_passThrough.Value)
        {
            return inner;
        }
        return Held ??= new MemoryStream();
    }

    public override void Write(byte[] buffer, int offset, int count) => Target().Write(buffer, offset, count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Target().WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Target().WriteAsync(buffer, cancellationToken);

    public override void Flush()
    {
        if (_passThrough == true)
        {
            inner.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _passThrough == true ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
