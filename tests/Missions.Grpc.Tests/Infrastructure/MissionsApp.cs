using System.Net.Http.Headers;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The server in memory (TestServer), on a database of its own, with the two test keys. Fails the
/// test on any error log the server wrote unless the test says it expected one.
/// </summary>
public sealed class MissionsApp : WebApplicationFactory<Program>
{
    private readonly bool _ownsDatabase;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Replaces services of the app (e.g. the disk its storage writes to).</param>
    public MissionsApp(TempDatabase? database = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _ownsDatabase = database is null;
        Database = database ?? new TempDatabase();
        _settings = settings ?? new Dictionary<string, string?>();
        _services = services;
    }

    public TempDatabase Database { get; }

    public ErrorLogCollector Logs { get; } = new();

    public bool ErrorLogsExpected { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in Database.Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseSetting("RateLimiting:Enabled", "false"); // tests that exercise limits turn it on
        foreach (var (key, value) in TestKeys.Settings().Concat(_settings))
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <summary>An HTTP client with <paramref name="key"/> as bearer token (none when null).</summary>
    public HttpClient Rest(string? key = TestKeys.KeyA)
    {
        var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    /// <summary>A gRPC client over the in-memory server.</summary>
    public MissionsService.MissionsServiceClient Grpc() => new(GrpcChannel());

    /// <summary>A gRPC client of the runs service over the in-memory server.</summary>
    public MissionRunsService.MissionRunsServiceClient GrpcRuns() => new(GrpcChannel());

    public GrpcChannel GrpcChannel() =>
        global::Grpc.Net.Client.GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    /// <summary>Sets <paramref name="settings"/> and reloads the configuration, as an edited settings file does while the server runs.</summary>
    public void Reconfigure(params (string Key, string Value)[] settings)
    {
        var configuration = (Microsoft.Extensions.Configuration.IConfigurationRoot)Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }
        configuration.Reload();
    }

    public IMissionStore Store => Services.GetRequiredService<IMissionStore>();

    public IRunStore RunStore => Services.GetRequiredService<IRunStore>();

    /// <summary>
    /// With minimal hosting, the app's own Main disposes the host (and so closes the database)
    /// after the factory's dispose has returned; a test that reopens the file waits for that.
    /// </summary>
    private async Task WaitForStorageReleaseAsync()
    {
        if (TestBackend.IsPostgres)
        {
            return; // the server's connections close with it; nothing is locked by a file
        }
        var lockPath = Database.Path + ".lock";
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (File.Exists(lockPath))
        {
            try
            {
                using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                return;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await WaitForStorageReleaseAsync();
        if (_ownsDatabase)
        {
            Database.Dispose();
        }
        if (!ErrorLogsExpected)
        {
            Assert.True(Logs.Errors.IsEmpty, "Unexpected error logs:\n" + string.Join("\n", Logs.Errors));
        }
    }
}
