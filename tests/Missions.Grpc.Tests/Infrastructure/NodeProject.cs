using System.Diagnostics;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// A folder of the repository with its own package.json (tests/sdk, tests/console): <c>npm ci</c> once when its
/// node_modules lacks <see cref="Marker"/>, then scripts run there with Node.
/// </summary>
public sealed class NodeProject(string folder, string marker)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Absolute path of the folder.</summary>
    public string Folder { get; } = Path.Combine(ServerProcess.RepoRoot, folder);

    /// <summary>A package whose package.json says the install happened.</summary>
    public string Marker { get; } = marker;

    public async Task EnsureInstalledAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(Folder, "node_modules", Marker, "package.json")))
            {
                return;
            }
            var (exitCode, stdout, stderr) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], new Dictionary<string, string>(), TimeSpan.FromMinutes(5));
            Assert.True(exitCode == 0, $"npm ci failed in {Folder}:\n{stderr}\n{stdout}");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs <paramref name="file"/> in the folder with <paramref name="env"/> added; killed after <paramref name="timeout"/> (60 s).</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string file, string[] args, IReadOnlyDictionary<string, string> env, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} timed out in {Folder}:\n{await stderr}\n{await stdout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
