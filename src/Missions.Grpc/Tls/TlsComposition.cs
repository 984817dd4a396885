using Microsoft.Extensions.Options;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.Tls;

/// <summary>
/// HTTPS is Kestrel's, configured the standard way (<c>Kestrel:Endpoints:N:Url=https://…</c>, <c>:Protocols</c>,
/// <c>:Certificate</c>, <c>:ClientCertificateMode</c>); one endpoint serves REST (HTTP/1.1, HTTP/2) and gRPC (HTTP/2)
/// through ALPN. Added here only what Kestrel's configuration lacks: client certificates checked against the operator's
/// CAs (<see cref="TlsOptions.ClientCertificateAuthorities"/>) rather than the OS trust store.
/// </summary>
public static class TlsComposition
{
    public static WebApplicationBuilder AddMissionsTls(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TlsOptions>().BindAtStart(TlsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TlsOptions>, TlsOptionsValidator>();
        // Relative to the content root, as Kestrel resolves Certificate:Path.
        services.PostConfigure<TlsOptions>(options =>
        {
            if (!string.IsNullOrEmpty(options.ClientCertificateAuthorities))
            {
                options.ClientCertificateAuthorities = Path.GetFullPath(options.ClientCertificateAuthorities, builder.Environment.ContentRootPath);
            }
        });
        services.AddSingleton<ClientCertificateAuthority>();
        // HTTPS defaults are applied to each HTTPS endpoint as Kestrel binds it, before the endpoint's own settings
        // (certificate, ClientCertificateMode), which leave the validation callback as it is.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            kestrel.ApplicationServices.GetRequiredService<ClientCertificateAuthority>().ApplyTo(https)));
        return builder;
    }
}
