using System.Globalization;
using Grpc.Core;
using Missions.Grpc.Rest;

namespace Missions.Grpc.Auth;

/// <summary>
/// Refuses a credentialed request from an address past its failed-authentication limit (<see cref="FailedAuthentications"/>)
/// before authentication looks at its key: REST 429 with <c>Retry-After</c> and <c>{"detail": ...}</c>, gRPC
/// RESOURCE_EXHAUSTED with <c>retry-after</c>.
/// </summary>
internal sealed class AuthThrottle(RequestDelegate next, FailedAuthentications failures)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0 || !failures.IsThrottled(context.Connection.RemoteIpAddress, out var wait))
        {
            return next(context);
        }
        context.Items[FailedAuthentications.Summarized] = true;
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.RetryAfter = seconds;
        return RestErrors.RejectAsync(context, StatusCode.ResourceExhausted,
            $"Too many failed authentications from this address: retry after {seconds} s", StatusCodes.Status429TooManyRequests);
    }
}
