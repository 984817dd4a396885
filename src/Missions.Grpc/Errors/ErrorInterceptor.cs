using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Missions.Grpc.Storage;
using Missions.Grpc.Telemetry;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Errors;

/// <summary>
/// Turns what handlers throw into gRPC statuses (docs/api.md → Errors). The REST face reads the same
/// statuses back (Rest/RestShapingMiddleware), so this is the one place errors are mapped.
/// Unexpected exceptions are logged and answered INTERNAL with no internals.
/// </summary>
internal sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger, ApiMetrics metrics) : Interceptor
{
    /// <summary>The <c>google.rpc.ErrorInfo.reason</c> of an <c>Idempotency-Key</c> used for another request.</summary>
    public const string IdempotencyKeyReusedReason = "IDEMPOTENCY_KEY_REUSED";

    /// <summary>The <c>google.rpc.ErrorInfo.reason</c> of a write or a stream past a quota (REST 429, no Retry-After).</summary>
    public const string QuotaExceededReason = "QUOTA_EXCEEDED";

    /// <summary>The <c>google.rpc.ErrorInfo.domain</c> of this API's errors.</summary>
    public const string ErrorDomain = "missions.v1";

    /// <summary>What an unexpected fault says, on both faces: never internals.</summary>
    public const string InternalDetail = "Internal server error";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            ThrowIfPastDeadline(context);
            return await continuation(request, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            CountInvalid<TRequest>(error);
            throw ToRpcException(error, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            ThrowIfPastDeadline(context);
            await continuation(request, responseStream, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            CountInvalid<TRequest>(error);
            throw ToRpcException(error, context);
        }
    }

    private void CountInvalid<TRequest>(Exception error)
    {
        if (error is RequestValidationException or InvalidReferenceException)
        {
            metrics.Invalid(typeof(TRequest).Name);
        }
    }

    private const string DeadlineDetail = "Deadline exceeded: the call was not carried out";

    /// <summary>
    /// A call whose deadline (<c>grpc-timeout</c>) has passed before its handler starts does nothing, including one shorter
    /// than grpc-dotnet keeps (<see cref="GrpcTimeout"/>), which used to run and answer OK to a caller that had given up.
    /// </summary>
    private static void ThrowIfPastDeadline(ServerCallContext context)
    {
        if (context.Deadline <= DateTime.UtcNow || GrpcTimeout.ExpiredOnArrival(context.GetHttpContext().Request.Headers[GrpcTimeout.Header]))
        {
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.DeadlineExceeded, DeadlineDetail));
        }
    }

    /// <summary>
    /// UNAVAILABLE with when to retry, as <c>google.rpc.RetryInfo</c> (and a <c>retry-after</c> trailer in seconds, as
    /// the rate limiter sends) and what failed as <c>google.rpc.ErrorInfo</c>. The REST face answers 503 + Retry-After.
    /// </summary>
    private static RpcException Unavailable(StorageUnavailableException unavailable)
    {
        var seconds = (long)Math.Ceiling(unavailable.RetryAfter.TotalSeconds);
        var exception = new Google.Rpc.Status
        {
            Code = (int)Code.Unavailable,
            Message = unavailable.Message,
            Details =
            {
                Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) }),
                Any.Pack(new ErrorInfo { Reason = unavailable.Reason, Domain = ErrorDomain }),
            },
        }.ToRpcException();
        exception.Trailers.Add("retry-after", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return exception;
    }

    private RpcException ToRpcException(Exception error, ServerCallContext context)
    {
        switch (error)
        {
            case RequestValidationException invalid:
                var badRequest = new BadRequest();
                badRequest.FieldViolations.AddRange(invalid.Violations.Select(v => new BadRequest.Types.FieldViolation
                {
                    Field = v.FieldPath,
                    Reason = v.Type,
                    Description = v.Message,
                }));
                return new Google.Rpc.Status
                {
                    Code = (int)Code.InvalidArgument,
                    Message = invalid.Message,
                    // The standard detail for any gRPC client, and this API's typed one (what the REST face writes).
                    Details = { Any.Pack(badRequest), Any.Pack(ViolationDetails.ToDetail(invalid.Violations)) },
                }.ToRpcException();
            case InvalidReferenceException invalid:
                // Found by the store inside its atomic write; reported exactly like a validation error.
                return ToRpcException(new RequestValidationException(
                    invalid.References.Select(r => Pydantic.ValueError(r.Path, r.Message)).ToList()), context);
            case ResourceNotFoundException:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.NotFound, error.Message));
            case ConflictException conflict:
                // ErrorInfo lets gRPC callers act on the conflict (e.g. the run's current status) without parsing text.
                var info = new ErrorInfo { Reason = conflict.Reason, Domain = ErrorDomain };
                info.Metadata.Add(conflict.Facts.ToDictionary());
                return new Google.Rpc.Status
                {
                    Code = (int)(conflict.AlreadyExists ? Code.AlreadyExists : Code.FailedPrecondition),
                    Message = conflict.Message,
                    Details = { Any.Pack(info) },
                }.ToRpcException();
            case IdempotencyKeyReusedException reused:
                // A plain detail for REST (422 {"detail": "..."}), told apart from a validation 422 by its reason.
                return new Google.Rpc.Status
                {
                    Code = (int)Code.InvalidArgument,
                    Message = reused.Message,
                    Details = { Any.Pack(new ErrorInfo { Reason = IdempotencyKeyReusedReason, Domain = ErrorDomain }) },
                }.ToRpcException();
            case QuotaExceededException quota:
                // Waiting does not help (no RetryInfo): the QuotaFailure names the limit, the ErrorInfo lets a caller tell it from a rate limit.
                var exceeded = new ErrorInfo { Reason = QuotaExceededReason, Domain = ErrorDomain };
                exceeded.Metadata.Add("limit", quota.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return new Google.Rpc.Status
                {
                    Code = (int)Code.ResourceExhausted,
                    Message = quota.Message,
                    Details =
                    {
                        Any.Pack(new QuotaFailure { Violations = { new QuotaFailure.Types.Violation { Subject = quota.Quota, Description = quota.Message } } }),
                        Any.Pack(exceeded),
                    },
                }.ToRpcException();
            case StorageUnavailableException unavailable:
                return Unavailable(unavailable);
            case OperationCanceledException when context.Deadline <= DateTime.UtcNow:
                // The work still queued was withdrawn: nothing of this call was carried out.
                return new RpcException(new global::Grpc.Core.Status(StatusCode.DeadlineExceeded, DeadlineDetail));
            case OperationCanceledException or IOException when context.CancellationToken.IsCancellationRequested:
                // The caller went away: a stream's next write to its aborted response fails with the transport's
                // IOException. Its cancellation, not a fault of this server (an IOException with the caller still
                // there is one, and is logged below).
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "The call was cancelled"));
            default:
                ErrorLog.UnhandledException(logger, error, context.Method);
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Internal, InternalDetail));
        }
    }
}
