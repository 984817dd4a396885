using System.Globalization;
using System.Threading.RateLimiting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Missions.Grpc.Auth;
using Missions.Grpc.Hosting;
using Missions.Grpc.Rest;

namespace Missions.Grpc.RateLimiting;

/// <summary>
/// Configuration section <c>RateLimiting</c>: a token bucket per API key. On by default; off in the
/// Development environment (appsettings.Development.json).
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>Burst: requests a key may make at once.</summary>
    public int TokenLimit { get; set; } = 200;

    /// <summary>Sustained rate: tokens added per period.</summary>
    public int TokensPerPeriod { get; set; } = 100;

    /// <summary>The period, in seconds.</summary>
    public int ReplenishmentSeconds { get; set; } = 1;
}

/// <summary>Refuses to start with a limit that would refuse everything.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options) =>
        !options.Enabled || (options.TokenLimit >= 1 && options.TokensPerPeriod >= 1 && options.ReplenishmentSeconds >= 1)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                "RateLimiting:TokenLimit, RateLimiting:TokensPerPeriod and RateLimiting:ReplenishmentSeconds must be at least 1 (or set RateLimiting:Enabled=false).");
}

/// <summary>
/// One token bucket per authenticated API key (the key id claim, never the key text), shared by both faces: a REST
/// request is admitted by ASP.NET Core's rate limiting middleware before its body is read (429 with <c>Retry-After</c>
/// and <c>{"detail": ...}</c>); a native gRPC call by <see cref="RateLimitInterceptor"/>, inside grpc-dotnet, so that
/// Grpc.AspNetCore writes RESOURCE_EXHAUSTED with a <c>retry-after</c> trailer. Unauthenticated endpoints (health,
/// reflection, the OpenAPI document) are not limited.
/// </summary>
public sealed class KeyRateLimiter : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string> _buckets;

    public KeyRateLimiter(IOptions<RateLimitOptions> options)
    {
        _options = options.Value;
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
            throw new RpcException(
                new Status(StatusCode.ResourceExhausted, Refusal(seconds)),
                new Metadata { { "retry-after", seconds } });
        }
    }

    /// <summary>The REST refusal: 429, <c>Retry-After</c>, <c>{"detail": ...}</c>.</summary>
    public Task RejectRestAsync(HttpContext context, RateLimitLease lease)
    {
        var seconds = RetryAfterSeconds(lease);
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

/// <summary>Admits a native gRPC call through <see cref="KeyRateLimiter"/> (REST requests were admitted by the middleware).</summary>
public sealed class RateLimitInterceptor(KeyRateLimiter limiter) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }

    private void Admit(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (limiter.Enabled && Faces.IsNativeGrpc(http))
        {
            limiter.Admit(http);
        }
    }
}

public static class KeyRateLimiting
{
    public static IServiceCollection AddKeyRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddSingleton<KeyRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<KeyRateLimiter>((options, limiter) =>
        {
            options.GlobalLimiter = limiter.ForRest();
            options.OnRejected = (rejected, _) => new ValueTask(limiter.RejectRestAsync(rejected.HttpContext, rejected.Lease));
        });
        return services;
    }

    /// <summary>The middleware, when limits are on (after authentication: the partition is the caller's key).</summary>
    public static WebApplication UseKeyRateLimiting(this WebApplication app)
    {
        if (app.Services.GetRequiredService<KeyRateLimiter>().Enabled)
        {
            app.UseRateLimiter();
        }
        return app;
    }
}
