using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Processes;

/// <summary>Every options class is validated when the server starts: one line naming the setting, exit 1, never a first-request failure.</summary>
public sealed class StartupSettingsTests
{
    [Theory]
    [InlineData("Rest:MaxJsonDepth", "0", "MaxJsonDepth")]
    [InlineData("Rest:MaxRequestBodyBytes", "10", "MaxRequestBodyBytes")]
    [InlineData("Validation:MaxFreeFormDepth", "34", "MaxFreeFormDepth")]
    [InlineData("Watch:BufferSize", "0", "BufferSize")]
    [InlineData("RateLimiting:TokenLimit", "0", "RateLimiting:TokenLimit")]
    public async Task An_invalid_setting_stops_the_start_in_one_line_naming_it(string setting, string value, string named)
    {
        using var db = new TempDatabase();
        await using var server = await ServerProcess.StartAsync(db.Path, waitUntilHealthy: false,
            settings: new Dictionary<string, string> { [setting] = value, ["RateLimiting:Enabled"] = "true" });

        Assert.Equal(1, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            l => l.StartsWith("Missions.Grpc cannot start:", StringComparison.Ordinal));
        Assert.Contains(named, line);
        Assert.DoesNotContain("   at ", server.Output); // no stack trace
    }

    [Fact]
    public async Task A_listen_address_in_use_stops_the_start_in_one_line_naming_the_endpoint()
    {
        using var db = new TempDatabase();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";
        await using var server = await ServerProcess.StartAsync(db.Path, waitUntilHealthy: false,
            settings: new Dictionary<string, string> { ["Kestrel:Endpoints:Grpc:Url"] = url });

        Assert.Equal(1, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            l => l.StartsWith("Missions.Grpc cannot start:", StringComparison.Ordinal));
        Assert.Contains($"{url} (Kestrel:Endpoints:Grpc:Url) is in use by another process", line);
        Assert.DoesNotContain("   at ", server.Output); // no stack trace
        Assert.DoesNotContain("fail:", server.Output);
    }
}
