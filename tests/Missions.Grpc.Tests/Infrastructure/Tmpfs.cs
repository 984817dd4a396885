using System.Diagnostics;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>A small tmpfs of a test's own: a real volume that fills up (ENOSPC) and frees at the test's word.</summary>
public sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<string?> Refusal = new(Probe);

    private Tmpfs(string path) => Path = path;

    /// <summary>Why this process cannot mount one (then tests that need one are skipped with it); null when it can.</summary>
    public static string? Unavailable => Refusal.Value;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MB on a new folder.</summary>
    public static Tmpfs Mount(int megabytes)
    {
        var path = NewFolder();
        var (code, error) = Run("mount", $"-t tmpfs -o size={megabytes}m tmpfs {path}");
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount failed ({code}): {error}");
        }
        return new Tmpfs(path);
    }

    /// <summary>Writes a file of zeros until the volume is full; returns its path.</summary>
    public string Fill(string name = "filler")
    {
        var filler = System.IO.Path.Combine(Path, name);
        using var file = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            return filler; // No space left on device
        }
    }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public void Dispose()
    {
        Run("umount", $"-l {Path}");
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a lazily unmounted folder may linger a moment; it is in the temp folder
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux (a tmpfs mount)";
        }
        var path = NewFolder();
        try
        {
            var (code, error) = Run("mount", $"-t tmpfs -o size=1m tmpfs {path}");
            if (code != 0)
            {
                return $"mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN): {error.Trim()}";
            }
            Run("umount", path);
            return null;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            return $"no mount command here: {error.Message}";
        }
        finally
        {
            Directory.Delete(path);
        }
    }

    private static string NewFolder()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "missions-tmpfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static (int Code, string Error) Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}
