using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Missions.Grpc.Rest;

namespace Missions.Grpc.Auth;

/// <summary>
/// ASP.NET Core authentication for the bearer API key: a known key becomes a principal with the
/// organization and key id as claims; a missing header is no result, a wrong scheme or unknown key a failure
/// whose message is what the caller is told. The challenge is the REST face's: 401 <c>{"detail": ...}</c> with
/// <c>WWW-Authenticate: Bearer</c>. Native gRPC calls are never challenged here: see
/// <see cref="GrpcAuthorizationResultHandler"/>.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyAuthenticator authenticator,
    FailedAuthentications failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Prefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(Failed(ApiKeyDefaults.InvalidScheme));
        }
        if (authenticator.Authenticate(header.AsSpan(Prefix.Length).Trim()) is not { } key)
        {
            return Task.FromResult(Failed(ApiKeyDefaults.InvalidKey));
        }
        var identity = new ClaimsIdentity(
            [new Claim(ApiKeyDefaults.OrganizationClaim, key.Organization), new Claim(ApiKeyDefaults.KeyIdClaim, key.KeyId)],
            Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    /// <summary>A failure, counted for the caller's address; its request is reported in the address's summary line.</summary>
    private AuthenticateResult Failed(string reason)
    {
        if (!Context.Items.ContainsKey(FailedAuthentications.Summarized))
        {
            Context.Items[FailedAuthentications.Summarized] = true;
            failures.Failed(Context.Connection.RemoteIpAddress);
        }
        return AuthenticateResult.Fail(reason);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties) =>
        await RestErrors.WriteDetailAsync(Response, StatusCodes.Status401Unauthorized, await FailureAsync(Context));

    /// <summary>What an unauthenticated caller is told: why its key was refused, or that it sent none.</summary>
    internal static async Task<string> FailureAsync(HttpContext context) =>
        (await context.AuthenticateAsync(ApiKeyDefaults.Scheme)).Failure?.Message ?? ApiKeyDefaults.NotAuthenticated;
}
