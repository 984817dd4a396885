using System.Globalization;
using System.Threading.RateLimiting;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Missions.Grpc.Auth;
using Missions.Grpc.Protocol;
using Missions.Grpc.Rest;
using Missions.Grpc.Telemetry;

namespace Missions.Grpc.RateLimiting;

/// <summary>
/// One token bucket per authenticated API key (the key id claim, never the key text), shared by both faces: a REST
/// request is admitted by ASP.NET Core's rate limiting middleware before its body is read (429 with <c>Retry-After</c>
/// and <c>{"detail": ...}</c>); a native gRPC call by <see cref="RateLimitInterceptor"/>, inside grpc-dotnet, so that
/// Grpc.AspNetCore writes RESOURCE_EXHAUSTED with a <c>retry-after</c> trailer. Unauthenticated endpoints (health,
/// reflection, the OpenAPI document) are not limited.
/// </summary>
internal sealed class KeyRateLimiter : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string> _buckets;
    private readonly ApiMetrics _metrics;

    public KeyRateLimiter(IOptions<RateLimitOptions> options, ApiMetrics metrics)
    {
        _options = options.Value;
        _metrics = metrics;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.TokenLimit,
            TokensPerPeriod = _options.TokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(_options.ReplenishmentSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _buckets = PartitionedRateLimiter.Create<string, string>(keyId => _options.Enabled && keyId.Length > 0
            ? RateLimitPartition.GetTokenBucketLimiter(keyId, _ => bucket)
            : RateLimitPartition.GetNoLimiter(""));
    }

    public bool Enabled => _options.Enabled;

    /// <summary>The buckets as the middleware sees them: REST endpoints by the caller's key, everything else unlimited.</summary>
    public PartitionedRateLimiter<HttpContext> ForRest() =>
        _buckets.WithTranslatedKey<HttpContext>(context => Faces.IsRest(context) ? KeyId(context) : "", leaveOpen: true);

    /// <summary>Takes a token for a native gRPC call; throws RESOURCE_EXHAUSTED (with <c>retry-after</c>) when there is none.</summary>
    public void Admit(HttpContext context)
    {
        using var lease = _buckets.AttemptAcquire(KeyId(context));
        if (!lease.IsAcquired)
        {
            var seconds = RetryAfterSeconds(lease);
            _metrics.RateLimited("grpc");
            throw new RpcException(
                new Status(StatusCode.ResourceExhausted, Refusal(seconds)),
                new Metadata { { "retry-after", seconds } });
        }
    }

    /// <summary>The REST refusal: 429, <c>Retry-After</c>, <c>{"detail": ...}</c>.</summary>
    public Task RejectRestAsync(HttpContext context, RateLimitLease lease)
    {
        var seconds = RetryAfterSeconds(lease);
        _metrics.RateLimited("rest");
        context.Response.Headers.RetryAfter = seconds;
        return RestErrors.WriteDetailAsync(context.Response, StatusCodes.Status429TooManyRequests, Refusal(seconds));
    }

    public void Dispose() => _buckets.Dispose();

    private static string KeyId(HttpContext context) => context.User.FindFirst(ApiKeyDefaults.KeyIdClaim)?.Value ?? "";

    private static string Refusal(string seconds) => $"Rate limit exceeded for this API key: retry after {seconds} s";

    private string RetryAfterSeconds(RateLimitLease lease) =>
        (lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
            : _options.ReplenishmentSeconds).ToString(CultureInfo.InvariantCulture);
}
