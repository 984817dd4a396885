using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Tls;

/// <summary>
/// Client certificates checked against the CAs of <see cref="TlsOptions.ClientCertificateAuthorities"/> (and only those):
/// Kestrel's <see cref="HttpsConnectionAdapterOptions.ClientCertificateValidation"/> on every HTTPS endpoint when that
/// setting is present. A certificate refused here fails the TLS handshake: no request on that connection is read.
/// </summary>
internal sealed class ClientCertificateAuthority
{
    /// <summary>id-kp-clientAuth: a certificate that lists its usages must list this one.</summary>
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly X509Certificate2Collection? _authorities;
    private readonly X509RevocationMode _revocation;
    private readonly ILogger _logger;

    public ClientCertificateAuthority(IOptions<TlsOptions> options, ILogger<ClientCertificateAuthority> logger)
    {
        var settings = options.Value;
        _authorities = string.IsNullOrEmpty(settings.ClientCertificateAuthorities) ? null : Load(settings.ClientCertificateAuthorities);
        _revocation = settings.CheckClientCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
        _logger = logger;
    }

    /// <summary>The certificates of a PEM file; throws (file missing or unreadable, malformed PEM, no certificate) with a message saying which.</summary>
    public static X509Certificate2Collection Load(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        return authorities.Count > 0
            ? authorities
            : throw new CryptographicException($"'{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
    }

    /// <summary>Makes an HTTPS endpoint's client certificates answer to the configured CAs; nothing without them.</summary>
    public void ApplyTo(HttpsConnectionAdapterOptions https)
    {
        if (_authorities is null)
        {
            return;
        }
        https.ClientCertificateValidation = Validate;
        // The chain TLS builds first (against the OS trust store) is not the one that decides: no revocation lookups for it.
        https.CheckCertificateRevocation = false;
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to a configured CA (through intermediates the client sent), is
    /// within its validity, and, when it lists usages, may authenticate a client. The OS trust store plays no part.
    /// </summary>
    public bool Validate(X509Certificate2 certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities!);
        chain.ChainPolicy.RevocationMode = _revocation;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }
        if (chain.Build(certificate))
        {
            return true;
        }
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            TlsLog.CertificateRefused(_logger, certificate.Subject, string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct()));
        }
        return false;
    }
}
