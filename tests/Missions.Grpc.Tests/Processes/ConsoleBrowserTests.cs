using System.Text.Json.Nodes;
using Missions.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Processes;

/// <summary>
/// The run console in a real browser (tests/console/console.mjs): headless Chromium from Debian packages
/// (scripts/install-chromium.sh installs it when absent), driven by puppeteer-core against the real server process —
/// sign in, missions, a run updating live from the watch stream, the action buttons, a dropped connection and the
/// server's `resume` line each followed without losing or repeating an event, markup in names shown as text, a mission's
/// webhooks with their latest deliveries (sent to a receiver of the script), axe-core on every view, no console errors.
/// Screenshots of the mission list, a live run and a mission's webhooks at 1280 and 390 px go to tests/console/screenshots.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class ConsoleBrowserTests(ITestOutputHelper output)
{
    private static readonly NodeProject Console = new(Path.Combine("tests", "console"), "puppeteer-core");

    /// <summary>Where the screenshots go (CI prints it).</summary>
    public static string Screenshots { get; } = Path.Combine(ServerProcess.RepoRoot, "tests", "console", "screenshots");

    [Fact]
    public async Task The_console_shows_a_run_live_resumes_after_a_dropped_connection_and_passes_axe()
    {
        var chromium = await EnsureChromiumAsync();
        await Console.EnsureInstalledAsync();
        using var db = new TempDatabase();
        // A watcher buffers 2 live updates here, so a burst of events makes the server send a `resume` line. Webhooks go
        // to the script's receiver on loopback, over http (allowed here only): real attempts, so the page shows statuses
        // the dispatcher recorded — a failure is retried once after a second, then failed; an attempt the receiver never
        // answers stays in flight (pending) for the rest of the test.
        await using var server = await ServerProcess.StartAsync(db, settings: new Dictionary<string, string>
        {
            ["Watch:BufferSize"] = "2",
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Webhooks:RetrySchedule:0"] = "00:00:01",
            ["Webhooks:Timeout"] = "00:02:00",
            ["Webhooks:PollInterval"] = "00:00:00.200",
        });

        var (exitCode, stdout, stderr) = await Console.RunAsync("node", ["console.mjs"], new Dictionary<string, string>
        {
            ["MISSIONS_URL"] = server.RestUrl,
            ["MISSIONS_API_KEY"] = TestKeys.KeyA,
            ["CONSOLE_SCREENSHOTS"] = Screenshots,
            ["CHROMIUM"] = chromium,
        }, TimeSpan.FromMinutes(3));

        output.WriteLine(stdout);
        Assert.True(exitCode == 0, $"console.mjs failed ({exitCode}):\n{stdout}\n{stderr}\nserver:\n{server.Output}");
        var summary = JsonNode.Parse(stdout)!;
        Assert.True((bool)summary["ok"]!);
        Assert.All(summary["latenciesMs"]!.AsArray(), ms => Assert.InRange((int)ms!, 0, 1000));
        Assert.Equal(10, summary["screenshots"]!.AsArray().Count); // missions, run-live, run-timeline, mission-overview, mission-webhooks: 1280 and 390 px
        Assert.Equal(["mission", "mission-overview", "mission-webhooks", "missions", "run", "run-timeline", "sign-in"],
            summary["axe"]!.AsObject().Select(view => view.Key).Order(StringComparer.Ordinal));
        Assert.All(summary["axe"]!.AsObject(), view => Assert.Equal(0, (int)view.Value!["violations"]!)); // every view, every impact
        Assert.All(summary["screenshots"]!.AsArray(), file => Assert.True(File.Exists((string)file!)));
    }

    /// <summary>Debian's Chromium: installed by the project's script when absent (root or sudo, apt).</summary>
    private static async Task<string> EnsureChromiumAsync()
    {
        var configured = Environment.GetEnvironmentVariable("CHROMIUM");
        string[] candidates = [.. configured is null ? [] : new[] { configured }, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
        if (candidates.FirstOrDefault(File.Exists) is { } found)
        {
            return found;
        }
        var (exitCode, stdout, stderr) = await Console.RunAsync(
            "bash", [Path.Combine(ServerProcess.RepoRoot, "scripts", "install-chromium.sh")], new Dictionary<string, string>(), TimeSpan.FromMinutes(10));
        Assert.True(exitCode == 0, $"scripts/install-chromium.sh failed:\n{stderr}\n{stdout}");
        return candidates.First(File.Exists);
    }
}
