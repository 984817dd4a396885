using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// A certificate authority of the test's own (<see cref="CertificateRequest"/>, nothing installed), the server certificate
/// it issued (127.0.0.1, localhost) and a client certificate it issued, plus a self-signed client certificate it did not:
/// the CA and the server's certificate and key as PEM files in a folder removed when the test ends, and HTTP handlers
/// that trust this CA and nothing else.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public TestCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "missions-tests", "tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Authority = Create("CN=Missions test CA", isAuthority: true);
        using var server = Create("CN=localhost", Authority, ServerAuthentication, names: ["127.0.0.1", "localhost"]);
        Client = Create("CN=missions test client", Authority, ClientAuthentication);
        Stranger = Create("CN=missions test client", usage: ClientAuthentication);
        AuthorityPem = Write("ca.pem", Authority.ExportCertificatePem());
        ServerCertificatePem = Write("server.pem", server.ExportCertificatePem());
        ServerKeyPem = Write("server.key", server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public string Directory { get; }

    /// <summary>The CA, with its private key.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>A client certificate the CA issued (client authentication), with its private key.</summary>
    public X509Certificate2 Client { get; }

    /// <summary>A self-signed client certificate with the same subject as <see cref="Client"/>: not the CA's.</summary>
    public X509Certificate2 Stranger { get; }

    /// <summary>The CA's certificate, PEM (what clients trust, and what the server checks client certificates against).</summary>
    public string AuthorityPem { get; }

    public string ServerCertificatePem { get; }

    /// <summary>The server certificate's private key, unencrypted PKCS#8 PEM.</summary>
    public string ServerKeyPem { get; }

    /// <summary>
    /// One HTTPS endpoint named <c>Https</c> at <paramref name="url"/> with the server certificate, configured as README
    /// says, requiring client certificates when <paramref name="clientCertificateMode"/> says so.
    /// </summary>
    public Dictionary<string, string> HttpsEndpoint(string url, string? clientCertificateMode = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Https:Url"] = url,
            ["Kestrel:Endpoints:Https:Protocols"] = "Http1AndHttp2",
            ["Kestrel:Endpoints:Https:Certificate:Path"] = ServerCertificatePem,
            ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = ServerKeyPem,
        };
        if (clientCertificateMode is not null)
        {
            settings["Kestrel:Endpoints:Https:ClientCertificateMode"] = clientCertificateMode;
        }
        return settings;
    }

    /// <summary>
    /// A handler that accepts a server only with a certificate of this CA for the host asked for (the OS trust store plays
    /// no part), presenting <paramref name="clientCertificate"/> whatever the server asks (none when null).
    /// </summary>
    public SocketsHttpHandler Handler(X509Certificate2? clientCertificate = null) => new()
    {
        SslOptions =
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { Authority },
                RevocationMode = X509RevocationMode.NoCheck,
            },
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
        },
    };

    /// <summary>
    /// A certificate (ECDSA P-256, with its private key) for <paramref name="subject"/>: issued by <paramref name="issuer"/>,
    /// self-signed without one; a CA when <paramref name="isAuthority"/>; for <paramref name="usage"/> (an EKU OID) only,
    /// or any usage when null; for the DNS names and IP addresses in <paramref name="names"/>; valid from a day ago to
    /// <paramref name="notAfter"/> (a day ahead; two for a CA).
    /// </summary>
    public static X509Certificate2 Create(
        string subject, X509Certificate2? issuer = null, string? usage = null, bool isAuthority = false,
        DateTimeOffset? notAfter = null, string[]? names = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isAuthority, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            isAuthority ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        if (usage is not null)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        }
        if (names is { Length: > 0 })
        {
            var alternativeNames = new SubjectAlternativeNameBuilder();
            foreach (var name in names)
            {
                if (IPAddress.TryParse(name, out var address))
                {
                    alternativeNames.AddIpAddress(address);
                }
                else
                {
                    alternativeNames.AddDnsName(name);
                }
            }
            request.CertificateExtensions.Add(alternativeNames.Build());
        }
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(isAuthority ? 2 : 1);
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, end);
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(issuer, notBefore, end, RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        Authority.Dispose();
        Client.Dispose();
        Stranger.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // temporary anyway
        }
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
