using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Tls;

/// <summary>Refuses to start with a <see cref="TlsOptions.ClientCertificateAuthorities"/> file that cannot be used.</summary>
internal sealed class TlsOptionsValidator : IValidateOptions<TlsOptions>
{
    public ValidateOptionsResult Validate(string? name, TlsOptions options)
    {
        if (string.IsNullOrEmpty(options.ClientCertificateAuthorities))
        {
            return ValidateOptionsResult.Success;
        }
        try
        {
            _ = ClientCertificateAuthority.Load(options.ClientCertificateAuthorities);
            return ValidateOptionsResult.Success;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return ValidateOptionsResult.Fail($"Tls:ClientCertificateAuthorities cannot be used: {error.Message}");
        }
    }
}
