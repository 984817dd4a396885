using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.WebConsole;

/// <summary>
/// The run console: a page and its script and style sheet, embedded in this assembly (nothing to build or install),
/// served at <c>/console</c> without a key — the page asks for one and calls the REST API with it, like any client.
/// Every answer carries a Content-Security-Policy that allows only these files and calls to this origin (no inline
/// script or style, no framing), <c>X-Content-Type-Options: nosniff</c> and no referrer.
/// </summary>
public static class ConsoleEndpoints
{
    public const string Path = "/console";

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    /// <summary>
    /// The embedded files by name (<c>index.html</c>, <c>console.js</c>, …), read once, each with its content type and
    /// an ETag (a prefix of its SHA-256): browsers revalidate (<c>no-cache</c>), so a new server's console is never mixed
    /// with a cached old script.
    /// </summary>
    private static readonly Lazy<FrozenDictionary<string, (byte[] Bytes, string Type, EntityTagHeaderValue ETag)>> Assets = new(() =>
    {
        var assembly = typeof(ConsoleEndpoints).Assembly;
        const string prefix = "console/";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && ContentTypes.ContainsKey(System.IO.Path.GetExtension(name)))
            .ToFrozenDictionary(name => name[prefix.Length..], name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var bytes = copy.ToArray();
                var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16]}\"");
                return (bytes, ContentTypes[System.IO.Path.GetExtension(name)], etag);
            }, StringComparer.Ordinal);
    });

    public static WebApplicationBuilder AddMissionsConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleOptions>().BindAtStart(ConsoleOptions.SectionName);
        return builder;
    }

    public static WebApplication MapMissionsConsole(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value.Enabled)
        {
            return app;
        }
        app.MapGet(Path, (HttpContext context) => Serve(context, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(Path + "/{asset}", (HttpContext context, string asset) => Serve(context, asset)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, string asset)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        if (!Assets.Value.TryGetValue(asset, out var file))
        {
            return Results.NotFound(); // no body: the REST pipeline's status code pages write {"detail":"Not Found"}
        }
        headers.CacheControl = "no-cache";
        return Results.Bytes(file.Bytes, file.Type, entityTag: file.ETag);
    }
}
