using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.Tls;

namespace Missions.Grpc.Tests.Unit;

/// <summary>
/// <c>Tls:ClientCertificateAuthorities</c>: which client certificates the configured CA admits (the callback Kestrel
/// runs in the handshake), and the setting's check at start.
/// </summary>
public sealed class TlsClientCertificateTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    [Fact]
    public void A_certificate_the_ca_issued_for_client_authentication_or_for_any_use_is_accepted()
    {
        var authority = Authority();
        Assert.True(authority.Validate(_certificates.Client, null, SslPolicyErrors.RemoteCertificateChainErrors));
        using var anyUse = TestCertificates.Create("CN=any use", _certificates.Authority);
        Assert.True(authority.Validate(anyUse, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void Certificates_of_another_ca_self_signed_expired_or_for_servers_only_are_refused()
    {
        var authority = Authority();
        using var otherCa = TestCertificates.Create("CN=Missions test CA", isAuthority: true);
        using var ofOtherCa = TestCertificates.Create("CN=missions test client", otherCa, TestCertificates.ClientAuthentication);
        using var expired = TestCertificates.Create("CN=expired", _certificates.Authority, TestCertificates.ClientAuthentication,
            notAfter: DateTimeOffset.UtcNow.AddMinutes(-1));
        using var serverOnly = TestCertificates.Create("CN=server only", _certificates.Authority, TestCertificates.ServerAuthentication);

        Assert.False(authority.Validate(_certificates.Stranger, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(authority.Validate(ofOtherCa, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(authority.Validate(expired, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(authority.Validate(serverOnly, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void An_intermediate_the_client_sent_links_its_certificate_to_the_ca()
    {
        var authority = Authority();
        using var intermediate = TestCertificates.Create("CN=Missions test intermediate", _certificates.Authority, isAuthority: true);
        using var leaf = TestCertificates.Create("CN=workload", intermediate, TestCertificates.ClientAuthentication);
        using var sent = new X509Chain();
        sent.ChainPolicy.ExtraStore.Add(intermediate);

        Assert.True(authority.Validate(leaf, sent, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(authority.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void With_revocation_checks_on_a_certificate_whose_status_cannot_be_learned_is_refused()
    {
        // The test CA publishes no CRL or OCSP responder.
        Assert.False(Authority(checkRevocation: true).Validate(_certificates.Client, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void Only_with_the_setting_are_https_endpoints_given_the_check()
    {
        var without = new HttpsConnectionAdapterOptions();
        new ClientCertificateAuthority(Options.Create(new TlsOptions()), NullLogger<ClientCertificateAuthority>.Instance).ApplyTo(without);
        Assert.Null(without.ClientCertificateValidation);

        var with = new HttpsConnectionAdapterOptions();
        Authority().ApplyTo(with);
        Assert.NotNull(with.ClientCertificateValidation);
        Assert.False(with.CheckCertificateRevocation);
    }

    [Fact]
    public void The_setting_is_checked_at_start_naming_it_and_what_is_wrong()
    {
        var validator = new TlsOptionsValidator();
        Assert.True(validator.Validate(null, new TlsOptions()).Succeeded);
        Assert.True(validator.Validate(null, new TlsOptions { ClientCertificateAuthorities = _certificates.AuthorityPem }).Succeeded);

        var malformed = Path.Combine(_certificates.Directory, "malformed.pem");
        File.WriteAllText(malformed, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        foreach (var (path, reason) in new[]
        {
            (Path.Combine(_certificates.Directory, "missing.pem"), "Could not find file"),
            (_certificates.Directory, "denied"),
            (_certificates.ServerKeyPem, "holds no PEM certificate"),
            (malformed, ""),
        })
        {
            var result = validator.Validate(null, new TlsOptions { ClientCertificateAuthorities = path });
            Assert.True(result.Failed, path);
            Assert.StartsWith("Tls:ClientCertificateAuthorities cannot be used: ", result.FailureMessage);
            Assert.Contains(reason, result.FailureMessage);
        }
    }

    public void Dispose() => _certificates.Dispose();

    private ClientCertificateAuthority Authority(bool checkRevocation = false) => new(
        Options.Create(new TlsOptions { ClientCertificateAuthorities = _certificates.AuthorityPem, CheckClientCertificateRevocation = checkRevocation }),
        NullLogger<ClientCertificateAuthority>.Instance);
}
