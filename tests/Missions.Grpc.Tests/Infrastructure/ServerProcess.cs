using System.Diagnostics;
using System.Net;
using System.Text;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The real server as its own process (<c>dotnet Missions.Grpc.dll</c>), on free loopback ports,
/// configured the standard way (environment variables), outside Development. Also compiled into the
/// benchmarks (bench/), which start other builds of the server with it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, string restUrl, string grpcUrl)
    {
        _process = process;
        RestUrl = restUrl;
        GrpcUrl = grpcUrl;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string RestUrl { get; }

    public string GrpcUrl { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The server's process id (the benchmarks read its CPU time from <c>/proc</c>).</summary>
    public int ProcessId => _process.Id;

    /// <summary>An HTTP client of the REST face with <paramref name="key"/> as bearer token.</summary>
    public HttpClient Rest(string key = TestKeys.KeyA, int timeoutSeconds = 30) => new()
    {
        BaseAddress = new Uri(RestUrl),
        Timeout = TimeSpan.FromSeconds(timeoutSeconds),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key) },
    };

    public int ExitCode => _process.ExitCode;

    /// <summary>Repository root (the folder holding Missions.Grpc.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Quotas as high as they go: a server process (a benchmark's, a test's) stores what it is asked to, unless the test sets one.</summary>
    public static IReadOnlyDictionary<string, string> Unlimited { get; } = new Dictionary<string, string>
    {
        ["Quotas:MaxMissionsPerOrganization"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Quotas:MaxRunsPerMission"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Quotas:MaxEventsPerRun"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Quotas:MaxStoredBytesPerOrganization"] = ((long)int.MaxValue * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Quotas:MaxIdempotencyKeysPerOrganization"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Quotas:MaxWebhooksPerOrganization"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Quotas:MaxPendingDeliveriesPerOrganization"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Starts the server on <paramref name="database"/> (the test assembly's backend), as <see cref="StartAsync(string, bool, bool, IReadOnlyDictionary{string, string}?, string?)"/>.</summary>
    public static Task<ServerProcess> StartAsync(
        TempDatabase database, bool withKeys = true, bool waitUntilHealthy = true, IReadOnlyDictionary<string, string>? settings = null, string? serverDll = null) =>
        StartAsync(database.Path, withKeys, waitUntilHealthy, database.Settings.Concat(settings ?? new Dictionary<string, string>())
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value), serverDll);

    /// <summary>
    /// Starts the server (this tree's build, or <paramref name="serverDll"/>) and waits until /healthz answers (or the
    /// process exits).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(
        string databasePath, bool withKeys = true, bool waitUntilHealthy = true, IReadOnlyDictionary<string, string>? settings = null,
        string? serverDll = null)
    {
        var restUrl = $"http://127.0.0.1:{LoopbackPorts.Next()}";
        var grpcUrl = $"http://127.0.0.1:{LoopbackPorts.Next()}";
        var dll = serverDll ?? ServerDll();
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Kestrel__Endpoints__Rest__Url"] = restUrl;
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = grpcUrl;
        start.Environment["Storage__LiteDb__Path"] = databasePath;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["RateLimiting__Enabled"] = "false"; // tests that exercise limits turn it on
        foreach (var (quota, value) in Unlimited)
        {
            start.Environment[quota.Replace(":", "__")] = value; // tests that exercise quotas set them; benchmarks fill one organization
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__")] = value;
        }
        if (withKeys)
        {
            foreach (var (key, value) in TestKeys.Settings())
            {
                start.Environment[key.Replace(":", "__")] = value;
            }
        }
        var server = new ServerProcess(Process.Start(start)!, restUrl, grpcUrl);
        if (waitUntilHealthy)
        {
            await server.WaitUntilHealthyAsync();
        }
        return server;
    }

    /// <summary>Waits for the process to exit on its own (a start-up failure).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // flush redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush — what a crash looks like.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, as a service manager stops a server; returns the exit code (the process must exit within <paramref name="timeout"/>).</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        return await WaitForExitAsync(timeout);
    }

    /// <summary>
    /// Each error-level entry the server logged ("fail:" / "crit:" in the simple console format): its header line and
    /// the first line of its message.
    /// </summary>
    public IReadOnlyList<string> ErrorLines()
    {
        var lines = Output.Split('\n');
        return lines
            .Select((line, i) => (line, i))
            .Where(l => l.line.StartsWith("fail:", StringComparison.Ordinal) || l.line.StartsWith("crit:", StringComparison.Ordinal))
            .Select(l => l.i + 1 < lines.Length ? $"{l.line.TrimEnd()} {lines[l.i + 1].Trim()}" : l.line)
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Server exited with {_process.ExitCode} at start:\n{Output}");
            }
            try
            {
                var response = await http.GetAsync($"{RestUrl}/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Server did not become healthy within 60 s:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>The server's own build output, in the configuration the tests were built in.</summary>
    private static string ServerDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}")
            ? "Release"
            : "Debug";
        var dll = Path.Combine(RepoRoot, "src", "Missions.Grpc", "bin", configuration, "net10.0", "Missions.Grpc.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first: server not found", dll);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Missions.Grpc.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Missions.Grpc.sln not found above " + AppContext.BaseDirectory);
    }
}
