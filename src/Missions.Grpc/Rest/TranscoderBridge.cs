using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Missions.Grpc.Errors;
using Missions.Grpc.Protocol;
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
/// Each assumption is checked as the host starts (<see cref="CheckAsync"/>): a transcoder that behaves otherwise stops
/// the start with <see cref="IncompatibleFrameworkException"/>, which Program prints in one line.
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

    /// <summary>The <c>google.rpc.ErrorInfo.reason</c> of <see cref="ProbeError"/>.</summary>
    private const string ProbeReason = "TRANSCODER_BRIDGE_CHECK";

    /// <summary>What the start check's failing calls fail with: a code, a message and a detail to find again.</summary>
    private static readonly Google.Rpc.Status ProbeError = new()
    {
        Code = (int)Code.FailedPrecondition,
        Message = "Transcoder bridge start check",
        Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new ErrorInfo { Reason = ProbeReason, Domain = ErrorInterceptor.ErrorDomain }) },
    };

    /// <summary>The transcoding and the start check, with the transcoder's type registry set to <see cref="ErrorTypes"/>.</summary>
    public static IServiceCollection AddTo(IServiceCollection services)
    {
        services.AddGrpc().AddJsonTranscoding(options => options.TypeRegistry = ErrorTypes);
        services.AddSingleton<TranscoderBridge>();
        services.AddHostedService<StartCheck>();
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
        HandOver(context, method.HasBody, new Handover(message, Probe.None));
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
        where TResponse : class => Take<TRequest>(context) switch
        {
            null => continuation(request, context),
            { Probe: Probe.None } handover => continuation((TRequest)handover.Message, context),
            { Probe: Probe.Succeed } => Task.FromResult(Activator.CreateInstance<TResponse>()),
            _ => Task.FromException<TResponse>(ProbeError.ToRpcException()),
        };

    /// <summary>The interceptor side of a server-streaming call: it goes on with the message the REST adapter read, if any.</summary>
    public static Task ServerStreaming<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class => Take<TRequest>(context) switch
        {
            null => continuation(request, responseStream, context),
            { Probe: Probe.None } handover => continuation((TRequest)handover.Message, responseStream, context),
            { Probe: Probe.Succeed } => responseStream.WriteAsync(Activator.CreateInstance<TResponse>()),
            _ => Task.FromException(ProbeError.ToRpcException()),
        };

    /// <summary>
    /// Proves the four assumptions above on the transcoded <paramref name="endpoints"/> with a few in-process calls, and throws <see cref="IncompatibleFrameworkException"/> naming the first one that does not hold. One endpoint of
    /// each kind present — unary with a body, unary without, server streaming: each kind has its own handler class and
    /// reading path — has its <see cref="Endpoint.RequestDelegate"/> run twice on a synthetic <see cref="DefaultHttpContext"/>
    /// through <see cref="CallAsync"/>'s own steps, with a message handed over; at <see cref="RestMessageInterceptor"/> the
    /// call is answered (a default response; a stream's one default message) or failed (<see cref="ProbeError"/>) instead
    /// of going on. The answered call proves that the substituted request was read without complaint, that the message
    /// handed over reached the interceptor, and that a success is first written with 200, as JSON; the failed one that an
    /// error is first written with another status and its body is the google.rpc.Status the call failed with, details
    /// included. The interceptors before it (errors, authorization, the native-gRPC rate limiter) let such a call through.
    /// No handler ever runs, so nothing is read or written in storage: the call's services refuse to give out the
    /// service itself (the activator asks for it first), and a call that got that far fails the check. Run again, the
    /// check takes a few milliseconds; at start most of its time is the first use of the transcoder's code, the JSON
    /// serializer's type information and the error parser, which the first REST requests would otherwise pay (timings:
    /// the commit that added it).
    /// </summary>
    internal async Task CheckAsync(IEnumerable<Endpoint> endpoints, IServiceProvider services, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var probed = endpoints
            .Where(endpoint => endpoint.RequestDelegate is not null && endpoint.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not null)
            .GroupBy(endpoint => (MethodOf(endpoint).HasBody, MethodOf(endpoint).IsStreaming))
            .Select(kind => kind.First())
            .ToList();
        foreach (var endpoint in probed)
        {
            foreach (var probe in (Probe[])[Probe.Succeed, Probe.Fail])
            {
                if (await ProbeAsync(endpoint, probe, services, cancellationToken) is { } problem)
                {
                    var method = MethodOf(endpoint);
                    var kind = method.IsStreaming ? "server-streaming" : method.HasBody ? "unary with a body" : "unary without a body";
                    var version = typeof(GrpcJsonTranscodingMetadata).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?
                        .InformationalVersion.Split('+')[0];
                    throw new IncompatibleFrameworkException(
                        $"Microsoft.AspNetCore.Grpc.JsonTranscoding {version} does not behave as the REST face's bridge to it expects: " +
                        $"{(probe == Probe.Succeed ? "a successful" : "a failing")} {kind} call of {method.Method.FullName} {problem}. " +
                        "Use the version pinned in Directory.Packages.props, or review src/Missions.Grpc/Rest/TranscoderBridge.cs for the new version.");
                }
            }
        }
        RestLog.BridgeChecked(logger, probed.Count * 2, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>One call of the start check; what went wrong, in words, or null.</summary>
    private static async Task<string?> ProbeAsync(Endpoint endpoint, Probe probe, IServiceProvider services, CancellationToken cancellationToken)
    {
        var method = MethodOf(endpoint);
        if (endpoint.Metadata.GetMetadata<GrpcMethodMetadata>()?.ServiceType is not { } service)
        {
            return "has no GrpcMethodMetadata naming its service";
        }
        await using var scope = services.CreateAsyncScope();
        var callServices = new NoServiceInstance(scope.ServiceProvider, service);
        var context = new DefaultHttpContext { RequestServices = callServices, RequestAborted = cancellationToken };
        context.SetEndpoint(endpoint);
        using var written = new MemoryStream();
        context.Response.Body = written;
        var handover = new Handover(method.Method.InputType.Parser.ParseFrom(ByteString.Empty), probe);
        HandOver(context, method.HasBody, handover);
        AnswerGate gate;
        try
        {
            gate = await RunAsync(context, StatusCodes.Status200OK, method.IsStreaming, endpoint.RequestDelegate!);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            return $"threw {error.GetType().Name} ({OneLine(error.Message)})";
        }
        if (callServices.ServiceAsked)
        {
            return "reached its service without passing RestMessageInterceptor (is it in the service's interceptors? are they still run?)";
        }
        if (!handover.Delivered)
        {
            var said = gate.Held is { } refusal && TryReadStatus(refusal) is { } refused ? $": {OneLine(refused.Message)}" : "";
            return $"did not hand RestMessageInterceptor the message read by the REST adapter (answered HTTP {gate.FirstWriteStatus}{said})";
        }
        if (gate.FirstWriteStatus is not { } first)
        {
            return "wrote nothing";
        }
        if (!(gate.FirstWriteContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return $"was written as '{gate.FirstWriteContentType}', not application/json";
        }
        if (probe == Probe.Succeed)
        {
            return first != StatusCodes.Status200OK ? $"was first written with HTTP {first}, not 200"
                : !IsJson(written.ToArray(), method.IsStreaming) ? "was not written as JSON" + (method.IsStreaming ? " lines" : "")
                : null;
        }
        if (first == StatusCodes.Status200OK)
        {
            return "was first written with HTTP 200: an error cannot be told from a success";
        }
        if (gate.Held is not { } held || TryReadStatus(held) is not { } status)
        {
            return $"was written with HTTP {first} without a google.rpc.Status body";
        }
        return status.Code == ProbeError.Code && status.Message == ProbeError.Message
            && status.GetDetail<ErrorInfo>()?.Reason == ProbeReason
                ? null
                : $"was written as a google.rpc.Status other than the one it failed with ({OneLine(status.ToString())})";
    }

    private static RestMethod MethodOf(Endpoint endpoint)
    {
        var metadata = endpoint.Metadata.GetRequiredMetadata<GrpcJsonTranscodingMetadata>();
        return RestMethod.For(metadata.MethodDescriptor, metadata.HttpRule);
    }

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

    /// <summary>The call's handover, marked delivered, when the REST adapter handed one over.</summary>
    private static Handover? Take<TRequest>(ServerCallContext context)
    {
        if (context.GetHttpContext().Features.Get<Handover>() is not { } handover)
        {
            return null;
        }
        if (handover.Message is not TRequest)
        {
            throw new InvalidOperationException(
                $"The REST adapter read a {handover.Message.Descriptor.FullName}; {context.Method} takes a {typeof(TRequest).Name}.");
        }
        handover.Delivered = true;
        return handover;
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

    /// <summary>A JSON document, or (a stream) JSON documents each ended by a line feed.</summary>
    private static bool IsJson(byte[] written, bool lines)
    {
        try
        {
            if (!lines)
            {
                using var document = JsonDocument.Parse(written);
                return true;
            }
            var text = System.Text.Encoding.UTF8.GetString(written);
            if (!text.EndsWith('\n'))
            {
                return false;
            }
            foreach (var line in text[..^1].Split('\n'))
            {
                using var document = JsonDocument.Parse(line);
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>What the start check's call does at <see cref="RestMessageInterceptor"/>; a REST request's goes on.</summary>
    private enum Probe
    {
        None,
        Succeed,
        Fail,
    }

    /// <summary>The message the REST adapter read, carried in the call's features to the interceptor side.</summary>
    private sealed class Handover(IMessage message, Probe probe)
    {
        public IMessage Message { get; } = message;

        public Probe Probe { get; } = probe;

        /// <summary>The interceptor side took it (what the start check looks for).</summary>
        public bool Delivered { get; set; }
    }

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

        /// <summary>The content type when the transcoder first wrote.</summary>
        public string? FirstWriteContentType { get; private set; }

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
            FirstWriteContentType = response.ContentType;
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

    /// <summary>
    /// The start check's call services: the scope's, except the gRPC service itself, which grpc-dotnet's activator asks
    /// for before creating it: a call that gets that far fails there, its handler never run.
    /// </summary>
    private sealed class NoServiceInstance(IServiceProvider inner, Type service) : IServiceProvider
    {
        public bool ServiceAsked { get; private set; }

        public object? GetService(Type serviceType)
        {
            if (serviceType != service)
            {
                return inner.GetService(serviceType);
            }
            ServiceAsked = true;
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.Internal, "The transcoder bridge's start check runs no handler"));
        }
    }

    /// <summary>Runs <see cref="CheckAsync"/> once the transcoded endpoints exist, before the host reports started.</summary>
    /// <remarks>
    /// Not earlier: the endpoints reach routing's <see cref="EndpointDataSource"/> only as the server's pipeline is built
    /// (the web host's own start); StartedAsync runs after that and before readiness turns ready.
    /// </remarks>
    private sealed class StartCheck(TranscoderBridge bridge, IServiceProvider services) : IHostedLifecycleService
    {
        public Task StartedAsync(CancellationToken cancellationToken) =>
            bridge.CheckAsync(services.GetRequiredService<EndpointDataSource>().Endpoints, services, cancellationToken);

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
