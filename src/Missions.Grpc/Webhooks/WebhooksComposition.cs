using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// Webhooks: the signing key (read as the host starts, after storage opened), the outbound-request policy, and the
/// dispatcher that sends what the write pipeline queued. The endpoints' API is one of the API services
/// (<c>MissionWebhooksServiceImpl</c>).
/// </summary>
public static class WebhooksComposition
{
    /// <summary>After <c>AddMissionsStorage</c>: the signing key may be kept with the data.</summary>
    public static WebApplicationBuilder AddMissionsWebhooks(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>()
            .Configure<IConfiguration>((options, configuration) => WebhookOptionsBinding.Bind(configuration.GetSection(WebhookOptions.SectionName), options))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWebhookDnsResolver, SystemDnsResolver>();
        services.AddSingleton<WebhookHttp>();
        services.AddSingleton<WebhookUrls>();
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<WebhookKeys>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookKeys>());
        services.AddHostedService<WebhookDispatcher>();
        return builder;
    }
}
