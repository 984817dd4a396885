using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Missions.Grpc.Auth;

/// <summary>
/// Resolves a presented bearer key to its organization. Keys are held as SHA-256 digests and compared in constant time
/// against every configured key (no early exit), so timing reveals nothing. The keys follow the configuration: when it
/// reloads (a changed file; <c>IConfigurationRoot.Reload</c>), a valid new set replaces the old one at once — a removed
/// key is refused from then on and its holders are told through <see cref="Revocation"/> — and an invalid one is logged
/// and ignored (the keys in use stay).
/// </summary>
internal sealed class ApiKeyAuthenticator : IHostedService, IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly IValidateOptions<AuthOptions> _validator;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _revocations = new(StringComparer.Ordinal);
    private readonly IDisposable _reloads;
    private readonly Lock _reloading = new();
    private volatile (byte[] Digest, ApiKeyIdentity Identity)[] _keys;
    private string? _lastRefusal;

    public ApiKeyAuthenticator(IOptionsMonitor<AuthOptions> options, IConfiguration configuration, IValidateOptions<AuthOptions> validator, ILogger<ApiKeyAuthenticator> logger)
    {
        _configuration = configuration;
        _validator = validator;
        _logger = logger;
        _keys = Table(options.CurrentValue); // as validated at start (the monitor keeps that value: nothing reloads it)
        _reloads = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>Who owns <paramref name="key"/>, or null when the key is unknown.</summary>
    public ApiKeyIdentity? Authenticate(ReadOnlySpan<char> key)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var utf8 = Encoding.UTF8.GetBytes(key.ToArray());
        SHA256.HashData(utf8, digest);
        ApiKeyIdentity? identity = null;
        foreach (var (candidate, owner) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, digest))
            {
                identity = owner;
            }
        }
        return identity;
    }

    /// <summary>Cancelled when the key <paramref name="keyId"/> is removed from the configuration (at once if it is gone).</summary>
    public CancellationToken Revocation(string keyId)
    {
        var source = _revocations.GetOrAdd(keyId, static _ => new CancellationTokenSource());
        if (!_keys.Any(k => k.Identity.KeyId == keyId) && _revocations.TryRemove(keyId, out var gone)) // removed meanwhile
        {
            gone.Cancel();
        }
        return source.Token;
    }

    /// <summary>Nothing to do: the host starts it so that it follows the configuration from the start, not from its first caller.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _reloads.Dispose();
        foreach (var source in _revocations.Values)
        {
            source.Dispose();
        }
    }

    private void Reload()
    {
        lock (_reloading)
        {
            var settings = _configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
            if (_validator.Validate(Options.DefaultName, settings) is { Failed: true } refused)
            {
                if (refused.FailureMessage != _lastRefusal) // a reload fires once per configuration source: said once
                {
                    _lastRefusal = refused.FailureMessage;
                    AuthLog.KeysNotReloaded(_logger, refused.FailureMessage);
                }
                return;
            }
            _lastRefusal = null;
            var keys = Table(settings);
            var before = _keys.Select(k => k.Identity).ToHashSet();
            if (before.SetEquals(keys.Select(k => k.Identity)))
            {
                return; // another part of the configuration changed
            }
            _keys = keys;
            AuthLog.KeysReloaded(_logger, keys.Length);
            foreach (var removed in before.Where(b => !keys.Any(k => k.Identity == b)))
            {
                if (_revocations.TryRemove(removed.KeyId, out var source))
                {
                    source.Cancel();
                }
            }
        }
    }

    private static (byte[] Digest, ApiKeyIdentity Identity)[] Table(AuthOptions settings) => settings.ApiKeys
        .Select(k => k.Digest()!)
        .Zip(settings.ApiKeys, (digest, k) => (digest, new ApiKeyIdentity(k.Organization, KeyId(digest))))
        .ToArray();

    /// <summary>A name for the key that is not the key and stays the same across reloads: <c>key-</c> and 12 hex digits of a digest of its digest.</summary>
    private static string KeyId(byte[] digest) => "key-" + Convert.ToHexStringLower(SHA256.HashData(digest).AsSpan(0, 6));
}
