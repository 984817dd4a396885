using Microsoft.Extensions.Options;

namespace Missions.Grpc.Configuration;

/// <summary>
/// How every settings section is bound: once, as the host starts (and validated then), not kept in step with the
/// configuration. <c>BindConfiguration</c> would also follow reloads — and an options monitor then validates a reloaded
/// section inside the configuration's change callback, where a value that is no longer valid throws on the file
/// watcher's thread and takes the process down. Nothing here reads settings after start; the API keys, which do follow
/// reloads, are watched and validated by their own reader (<c>ApiKeyAuthenticator</c>), which refuses an invalid set.
/// </summary>
internal static class SettingsBinding
{
    public static OptionsBuilder<TOptions> BindAtStart<TOptions>(this OptionsBuilder<TOptions> builder, string section)
        where TOptions : class =>
        builder.Configure<IConfiguration>((options, configuration) => configuration.GetSection(section).Bind(options));
}
