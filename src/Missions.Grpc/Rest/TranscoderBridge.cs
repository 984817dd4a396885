using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Missions.Grpc.V1;

namespace Missions.Grpc.Rest;

/// <summary>
/// The one place the REST face reaches into Microsoft.AspNetCore.Grpc.JsonTranscoding (10.0.15). The transcoder routes
/// and answers; the REST adapter (<see cref="RestShapingMiddleware"/>) reads the request itself, because the transcoder's
/// reading cannot be shaped as the spec asks (pydantic's 422s, one read of the body, route values as sent). No supported
/// seam hands the transcoder a message (<see cref="GrpcJsonTranscodingOptions"/> has a type registry and JSON settings
/// only), so this relies on the transcoder's internal behaviour, read in its source (dotnet/aspnetcore,
/// <c>src/Grpc/JsonTranscoding/src/Microsoft.AspNetCore.Grpc.JsonTranscoding/Internal/</c>) and in the 10.0.15 assembly:
/// <list type="number">
/// <item>Reading. <c>UnaryServerCallHandler</c> and <c>ServerStreamingServerCallHandler</c> (<c>HandleCallAsyncCore</c>)
/// read the message with <c>JsonRequestHelpers.ReadMessage</c> before any interceptor runs: a rule with a body is
/// deserialized from <c>HttpRequest.Body</c>, and only when <c>JsonTranscodingServerCallContext.Initialize</c> found a
/// JSON content type (<c>HasJsonContentType</c>); then route values and every query parameter are set on it. The charset of
/// any content type is resolved there too (<c>GetEncodingFromCharset</c>, which throws for an unknown one, a 500, even
/// for a rule without a body). So the call is given the body <c>{}</c> as <c>application/json</c>, no content type when
/// the rule has no body, and an empty query: it reads a default message and cannot fail.</item>
/// <item>Interceptors. The message read goes through the service's interceptors, the same <c>GrpcServiceOptions</c>
/// pipeline as a native call (<c>UnaryServerMethodInvoker</c>, <c>ServerStreamingServerMethodInvoker</c>); the service is
/// created only at its end, from <c>HttpContext.RequestServices</c> (<c>DefaultGrpcServiceActivator</c>). So
/// <see cref="RestMessageInterceptor"/> replaces the transcoder's message with the one the adapter read
/// (<see cref="Unary{TRequest,TResponse}"/>, <see cref="ServerStreaming{TRequest,TResponse}"/>) and the rest of the
/// pipeline and the handler see that one.</item>
/// <item>Success. <c>JsonTranscodingServerCallContext.EnsureResponseHeaders</c> sets 200 and
/// <c>application/json; charset=utf-8</c>, then <c>JsonRequestHelpers.SendMessage</c> writes to <c>HttpResponse.Body</c>:
/// one JSON document (unary), or one per message each followed by <c>\n</c> (<c>HttpContextStreamWriter</c>).
/// <c>WriteResponseHeadersAsync</c> (the idempotent-replay header) sets the headers and flushes without writing. So the
/// first write of a success comes with 200, and is where the declared status (201, 204 without a body) and the ndjson
/// content type of a stream are set (<see cref="CallAsync"/>).</item>
/// <item>Errors. An exception from the call reaches <c>JsonTranscodingServerCallContext.ProcessHandlerErrorAsync</c>, which
/// calls <c>JsonRequestHelpers.SendErrorResponse</c>: before writing, if the response has not started, the status is
/// <c>MapStatusCodeToHttpStatus(code)</c> (never 200 for an error) and the body is the google.rpc.Status of the
/// <c>grpc-status-details-bin</c> trailer (what <c>ToRpcException</c> puts there: the details the error interceptor
/// wrote), else one of code and message, serialized with the options' type registry (<see cref="ErrorTypes"/>: the
/// detail types must be in it); a stream adds <c>\n</c>. So an answer whose first write comes with another status than
/// 200 is an error, held and given back to the adapter parsed.</item>
/// </list>
/// </summary>
internal sealed class TranscoderBridge(ILogger<TranscoderBridge> logger)
{
    /// <summary>The detail types of the errors the transcoder writes: the transcoder's registry and the parser's.</summary>
    private static readonly TypeRegistry ErrorTypes = TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor, ErrorsReflection.Descriptor);

    /// <summary>The content type of a streamed REST response: one JSON object per line, not one JSON document.</summary>
    private const string NdjsonContentType = "application/x-ndjson; charset=utf-8";

    /// <summary>What the transcoder is given to read: the message was read already.</summary>
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    private static readonly JsonParser StatusParser =
        new(JsonParser.Settings.Default.WithTypeRegistry(ErrorTypes).WithIgnoreUnknownFields(true));

    /// <summary>The transcoding, with its type registry set to <see cref="ErrorTypes"/>, and the bridge.</summary>
    public static IServiceCollection AddTo(IServiceCollection services)
    {
        services.AddGrpc().AddJsonTranscoding(options => options.TypeRegistry = ErrorTypes);
        services.AddSingleton<TranscoderBridge>();
        return services;
    }

    /// <summary>
    /// Runs the transcoded call of <paramref name="context"/>'s endpoint (<paramref name="transcoder"/>) with
    /// <paramref name="message"/> as its request. A success streams through from its first write, under the method's
    /// declared status (201; 204 with no body; a stream as ndjson) and returns null. An error is held, nothing of it
    /// written, and returned as the google.rpc.Status the transcoder wrote (or one made from the HTTP status when the
    /// body is not one), the response's content headers cleared for the adapter's own answer.
    /// </summary>
    public async Task<Google.Rpc.Status?> CallAsync(HttpContext context, RestMethod method, IMessage message, RequestDelegate transcoder)
    {
        HandOver(context, method.HasBody, new Handover(message));
        var gate = await RunAsync(context, method.SuccessStatus, method.IsStreaming, transcoder);
        if (gate.Held is not { } held)
        {
            return null;
        }
        if (TryReadStatus(held) is { } status)
        {
            return status;
        }
        var httpStatus = gate.FirstWriteStatus ?? StatusCodes.Status500InternalServerError;
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

    /// <summary>The interceptor side of a unary call: it goes on with the message the REST adapter read, if any.</summary>
    public static Task<TResponse> Unary<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class => continuation(Take(request, context), context);

    /// <summary>The interceptor side of a server-streaming call: it goes on with the message the REST adapter read, if any.</summary>
    public static Task ServerStreaming<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class => continuation(Take(request, context), responseStream, context);

    /// <summary>Gives the transcoder nothing to read (see the reading assumption) and the interceptor side the message.</summary>
    private static void HandOver(HttpContext context, bool hasBody, Handover handover)
    {
        context.Features.Set(handover);
        var request = context.Request;
        request.QueryString = QueryString.Empty;
        if (hasBody)
        {
            request.Body = new MemoryStream(EmptyObject, writable: false);
            request.ContentLength = EmptyObject.Length;
            request.ContentType = "application/json";
        }
        else
        {
            request.ContentType = null; // its charset would be resolved, and an unknown one throws
        }
    }

    /// <summary>Runs the call with its answer behind an <see cref="AnswerGate"/>.</summary>
    private static async Task<AnswerGate> RunAsync(HttpContext context, int successStatus, bool streaming, RequestDelegate transcoder)
    {
        var response = context.Response;
        var original = response.Body;
        var gate = new AnswerGate(response, original, successStatus, streaming);
        response.Body = gate;
        try
        {
            await transcoder(context);
        }
        finally
        {
            response.Body = original;
        }
        if (gate.Held is not null)
        {
            response.Headers.ContentType = default;
            response.ContentLength = null;
        }
        return gate;
    }

    /// <summary>The message the REST adapter handed over, or (a native gRPC call) <paramref name="request"/>.</summary>
    private static TRequest Take<TRequest>(TRequest request, ServerCallContext context)
    {
        if (context.GetHttpContext().Features.Get<Handover>() is not { } handover)
        {
            return request;
        }
        return handover.Message is TRequest read ? read : throw new InvalidOperationException(
            $"The REST adapter read a {handover.Message.Descriptor.FullName}; {context.Method} takes a {typeof(TRequest).Name}.");
    }

    private static Google.Rpc.Status? TryReadStatus(MemoryStream held)
    {
        try
        {
            using var reader = new StreamReader(new MemoryStream(held.GetBuffer(), 0, (int)held.Length, writable: false));
            return StatusParser.Parse<Google.Rpc.Status>(reader);
        }
        catch (Exception error) when (error is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The message the REST adapter read, carried in the call's features to the interceptor side.</summary>
    private sealed record Handover(IMessage Message);

    /// <summary>
    /// The response body while a transcoded call runs: at the first write (or flush after one) it decides — a success
    /// (200) passes through under the declared status, or is dropped (204 has no body); an error (any other status) is
    /// held, to be rewritten. Nothing reaches the caller, headers included, before that decision.
    /// </summary>
    private sealed class AnswerGate(Microsoft.AspNetCore.Http.HttpResponse response, Stream inner, int successStatus, bool streaming) : Stream
    {
        private enum Route
        {
            PassThrough,
            Drop,
            Hold,
        }

        private Route? _route;

        /// <summary>The status when the transcoder first wrote; null when it wrote nothing.</summary>
        public int? FirstWriteStatus { get; private set; }

        /// <summary>What was written when the first write came with an error status; null otherwise.</summary>
        public MemoryStream? Held { get; private set; }

        private Stream? Target()
        {
            _route ??= Decide();
            return _route switch
            {
                Route.PassThrough => inner,
                Route.Hold => Held ??= new MemoryStream(),
                _ => null,
            };
        }

        private Route Decide()
        {
            FirstWriteStatus = response.StatusCode;
            if (response.StatusCode != StatusCodes.Status200OK)
            {
                return Route.Hold;
            }
            response.StatusCode = successStatus;
            if (successStatus == StatusCodes.Status204NoContent)
            {
                response.Headers.ContentType = default;
                return Route.Drop;
            }
            if (streaming)
            {
                response.ContentType = NdjsonContentType;
            }
            return Route.PassThrough;
        }

        public override void Write(byte[] buffer, int offset, int count) => Target()?.Write(buffer, offset, count);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Target()?.WriteAsync(buffer, offset, count, cancellationToken) ?? Task.CompletedTask;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            Target()?.WriteAsync(buffer, cancellationToken) ?? ValueTask.CompletedTask;

        public override void Flush() => (_route == Route.PassThrough ? inner : null)?.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            _route == Route.PassThrough ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
