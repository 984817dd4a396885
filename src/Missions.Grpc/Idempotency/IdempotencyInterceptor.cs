using System.Collections.Frozen;
using Google.Api;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Missions.Grpc.Auth;
using Missions.Grpc.Protocol;
using Missions.Grpc.Storage;
using Missions.Grpc.Telemetry;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> (REST header) / <c>idempotency-key</c> (gRPC metadata) on every mutating method — those whose
/// HTTP rule is POST, PUT, PATCH or DELETE, derived from the contract, not declared per handler. A valid key makes the
/// request's write idempotent: the key (<see cref="IdempotencyScope"/>) goes on the call's context, the handler passes it
/// to its write, and the storage backend keeps it in that write's own transaction; a replayed answer carries <c>idempotent-replayed: true</c>.
/// </summary>
internal sealed class IdempotencyInterceptor(IOptions<IdempotencyOptions> options, ApiMetrics metrics) : Interceptor
{
    public const string Header = "idempotency-key";
    public const string ReplayedHeader = "idempotent-replayed";
    public const int MaxKeyLength = 255;

    /// <summary>Full gRPC method names (<c>/missions.v1.MissionsService/CreateMission</c>) of the mutating methods.</summary>
    public static FrozenSet<string> MutatingMethods { get; } = ApiContract.Services
        .SelectMany(service => service.Methods)
        .Where(method => method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is { } http
                         && http.PatternCase is HttpRule.PatternOneofCase.Post or HttpRule.PatternOneofCase.Put
                             or HttpRule.PatternOneofCase.Patch or HttpRule.PatternOneofCase.Delete)
        .Select(method => $"/{method.Service.FullName}/{method.Name}")
        .ToFrozenSet(StringComparer.Ordinal);

    private readonly TimeSpan _retention = TimeSpan.FromHours(options.Value.RetentionHours);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        // From the HTTP request, for both faces (gRPC metadata are its headers): an empty value is a key too, and invalid.
        var http = context.GetHttpContext();
        return http.Request.Headers.TryGetValue(Header, out var values) && MutatingMethods.Contains(context.Method)
            ? KeyedAsync(request, context, continuation, http, values.ToString())
            : continuation(request, context); // no key: no state machine of this interceptor on the call's path
    }

    private async Task<TResponse> KeyedAsync<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation, HttpContext http, string key)
        where TRequest : class
        where TResponse : class
    {
        if (Invalid(key) is { } violation)
        {
            throw new RequestValidationException([violation]);
        }
        var organization = CallerContext.From(http.User)?.Organization
            ?? throw new InvalidOperationException("The caller was not authenticated.");
        var scope = new IdempotencyScope(organization, key, RequestFingerprint.Of(context.Method, (IMessage)request), _retention);
        context.SetIdempotency(scope); // the handler passes it to its write
        var answer = await continuation(request, context);
        if (scope.Replayed)
        {
            metrics.IdempotentReplay();
            var response = http.Response;
            if (!response.HasStarted && !response.Headers.ContainsKey(ReplayedHeader)) // an event's own idempotency_key may have said so already
            {
                await context.WriteResponseHeadersAsync(new Metadata { { ReplayedHeader, "true" } });
            }
        }
        return answer;
    }

    /// <summary>1–255 printable ASCII characters, in pydantic's words when not.</summary>
    public static Violation? Invalid(string key) =>
        key.Length == 0 ? new Violation([Header], "string_too_short", "String should have at least 1 character",
            new Dictionary<string, object> { ["min_length"] = 1 }, Violation.Header)
        : key.Length > MaxKeyLength ? new Violation([Header], "string_too_long", $"String should have at most {MaxKeyLength} characters",
            new Dictionary<string, object> { ["max_length"] = MaxKeyLength }, Violation.Header)
        : key.Any(c => c is < ' ' or > '~') ? new Violation([Header], "string_pattern_mismatch", "String should match pattern '^[\\x20-\\x7e]+$'",
            new Dictionary<string, object> { ["pattern"] = "^[\\x20-\\x7e]+$" }, Violation.Header)
        : null;
}
