using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

/// <summary>The server in-process for a benchmark, with its own settings (keys, storage, endpoints).</summary>
internal static class BenchServer
{
    public static WebApplicationFactory<Program> Create(string environment, IReadOnlyDictionary<string, string> settings)
    {
        // The server's content root (appsettings.json), found from the solution folder.
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Missions.Grpc.sln")))
        {
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new InvalidOperationException("solution not found");
        }
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_MISSIONS_GRPC", Path.Combine(root, "src", "Missions.Grpc"));
        return new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment(environment);
            b.UseSetting("RateLimiting:Enabled", "false"); // a benchmark measures the server, not its per-key limit
            foreach (var (quota, value) in Missions.Grpc.Tests.Infrastructure.ServerProcess.Unlimited)
            {
                b.UseSetting(quota, value); // nor its quotas: a benchmark fills one organization
            }
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }
            b.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        });
    }
}
