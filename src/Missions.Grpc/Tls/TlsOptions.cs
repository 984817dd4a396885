
namespace Missions.Grpc.Tls;

/// <summary>
/// Configuration section <c>Tls</c>: what Kestrel's own HTTPS settings (<c>Kestrel:Endpoints:N:Url=https://…</c>,
/// <c>:Certificate</c>, <c>:ClientCertificateMode</c>) cannot say: which authorities a client certificate must chain to.
/// </summary>
public sealed class TlsOptions
{
    public const string SectionName = "Tls";

    /// <summary>
    /// A PEM file of CA certificates (e.g. a mesh's private CA), relative to the content root: a client certificate is
    /// accepted only if it chains to one of them, instead of to the operating system's trust store. Applies to every
    /// HTTPS endpoint that asks for client certificates (<c>ClientCertificateMode</c> <c>RequireCertificate</c> or
    /// <c>AllowCertificate</c>). Unset: Kestrel's default (the OS trust store).
    /// </summary>
    public string? ClientCertificateAuthorities { get; set; }

    /// <summary>
    /// With <see cref="ClientCertificateAuthorities"/>: check each client certificate's revocation online, at the CRL or
    /// OCSP address it names (a certificate whose status cannot be learned is refused). Off by default: private CAs
    /// seldom publish one, and mesh certificates live for hours.
    /// </summary>
    public bool CheckClientCertificateRevocation { get; set; }
}
