namespace Missions.Grpc.Hosting;

/// <summary>How the process reports: a refused start in one line (<see cref="StartRefusal"/>), a failed request in one line; the headers every answer carries.</summary>
public static class HostingComposition
{
    /// <summary>The generic host's own log category.</summary>
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>
    /// Leaves out the host's own report of a failed start ("Hosting failed to start", logged at Error with the exception
    /// and its stack trace): Program reports every start failure — a refusal in one line, anything else rethrown with
    /// its stack trace. The host logs nothing else at Error (a faulted background service stops the host, which it
    /// reports at Critical, with the exception). Its other levels stay as configured.
    /// </summary>
    public static WebApplicationBuilder AddMissionsHosting(this WebApplicationBuilder builder)
    {
        builder.Services.PostConfigure<LoggerFilterOptions>(options =>
            options.Rules.Add(new LoggerFilterRule(null, HostCategory, ConfiguredLevel(options, HostCategory), (_, _, level) => level != LogLevel.Error)));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false); // what runs here is nobody else's business
        return builder;
    }

    /// <summary>
    /// The minimum level the rules in <paramref name="options"/> give <paramref name="category"/> for every provider: the
    /// rule whose category is the longest prefix of it (LoggerFilterOptions' own choice), else the default minimum.
    /// </summary>
    private static LogLevel? ConfiguredLevel(LoggerFilterOptions options, string category) => options.Rules
        .Where(rule => rule.ProviderName is null && (rule.CategoryName is null || category.StartsWith(rule.CategoryName, StringComparison.OrdinalIgnoreCase)))
        .OrderBy(rule => rule.CategoryName?.Length ?? -1)
        .LastOrDefault()?.LogLevel ?? options.MinLevel;

    /// <summary>One log line per failed request (<see cref="FailedRequestLogging"/>): first, so that it sees every answer.</summary>
    public static WebApplication UseMissionsRequestLogging(this WebApplication app)
    {
        app.UseMiddleware<FailedRequestLogging>();
        return app;
    }

    /// <summary>The headers every answer carries (<see cref="ResponseHeaders"/>), whoever writes it.</summary>
    public static WebApplication UseMissionsResponseHeaders(this WebApplication app)
    {
        app.UseMiddleware<ResponseHeaders>();
        return app;
    }
}
