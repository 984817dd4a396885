using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Hosting;

/// <summary>
/// The run console's files as a browser gets them: no key needed, each with its content type, a Content-Security-Policy
/// that allows no inline script or style and no framing, <c>nosniff</c>; unknown files and a console turned off by
/// configuration are 404. (What the page does is tested in a real browser: Processes/ConsoleBrowserTests.)
/// </summary>
public sealed class ConsoleEndpointTests : AppTest
{
    [Theory]
    [InlineData("/console", "text/html; charset=utf-8")]
    [InlineData("/console/console.js", "text/javascript; charset=utf-8")]
    [InlineData("/console/console.css", "text/css; charset=utf-8")]
    [InlineData("/console/icon.svg", "image/svg+xml")]
    public async Task The_console_is_served_without_a_key_with_a_strict_content_security_policy(string path, string contentType)
    {
        using var response = await App.Rest(key: null).GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.ToString());
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
        Assert.NotNull(response.Headers.ETag);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);
    }

    [Fact]
    public async Task The_page_loads_only_its_own_files_and_holds_no_inline_script_or_style()
    {
        var html = await App.Rest(key: null).GetStringAsync("/console");

        Assert.Contains("""<script type="module" src="/console/console.js"></script>""", html);
        Assert.Contains("""<link rel="stylesheet" href="/console/console.css">""", html);
        Assert.DoesNotContain("style=", html);
        Assert.DoesNotContain("<style", html);
        Assert.Equal(1, html.Split("<script").Length - 1);
    }

    [Fact]
    public async Task An_unknown_file_is_404_in_the_apis_shape()
    {
        using var response = await App.Rest(key: null).GetAsync("/console/missing.js");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"detail":"Not Found"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_console_turned_off_is_not_served()
    {
        await using var app = new MissionsApp(settings: new Dictionary<string, string?> { ["Console:Enabled"] = "false" });

        using var page = await app.Rest(key: null).GetAsync("/console");
        using var script = await app.Rest(key: null).GetAsync("/console/console.js");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, script.StatusCode);
    }
}
