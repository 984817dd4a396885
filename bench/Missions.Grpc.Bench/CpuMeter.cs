using System.Globalization;

/// <summary>
/// CPU time of processes, from <c>/proc/&lt;pid&gt;/stat</c> (user + system, every thread): the service's or the peer's
/// processes, and a PostgreSQL cluster's (its postmaster and every child: backends, WAL writer, checkpointer, …). Read
/// before and after a measurement; what a process that ended in between had used is lost (pooled connections keep
/// their backends for the whole measurement). Also a process's named threads, from <c>/proc/&lt;pid&gt;/task</c>.
/// </summary>
internal static class CpuMeter
{
    /// <summary>Clock ticks per second of <c>/proc</c>'s times (USER_HZ: 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds used so far by <paramref name="pids"/>.</summary>
    public static double Seconds(IEnumerable<int> pids) => pids.Sum(pid => Stat(pid) is { } s ? s.Ticks : 0) / TicksPerSecond;

    /// <summary>CPU seconds used so far by the cluster whose main process is <paramref name="postmaster"/>, and its children.</summary>
    public static double ClusterSeconds(int postmaster)
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat && (pid == postmaster || stat.Parent == postmaster))
            {
                ticks += stat.Ticks;
            }
        }
        return ticks / TicksPerSecond;
    }

    /// <summary>
    /// CPU seconds used so far by the threads of <paramref name="pid"/> whose name (<c>/proc</c>'s <c>comm</c>, at most 15
    /// characters: a .NET thread's <c>Name</c>, cut) <paramref name="named"/> accepts: the write pipeline's thread
    /// (<c>litedb-writer</c>, <c>postgres-writer</c>), the server GC's (<c>.NET Server GC</c>, <c>.NET BGC</c>).
    /// </summary>
    public static double ThreadSeconds(int pid, Func<string, bool> named)
    {
        long ticks = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                if (Stat(pid, Path.GetFileName(task)) is { } stat && named(stat.Name))
                {
                    ticks += stat.Ticks;
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // gone
        }
        return ticks / TicksPerSecond;
    }

    private static (long Ticks, int Parent)? Stat(int pid) => Stat(pid, null) is { } stat ? (stat.Ticks, stat.Parent) : null;

    private static (long Ticks, int Parent, string Name)? Stat(int pid, string? thread)
    {
        string text;
        try
        {
            text = File.ReadAllText(thread is null ? $"/proc/{pid}/stat" : $"/proc/{pid}/task/{thread}/stat");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null; // gone
        }
        // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its closing one.
        var close = text.LastIndexOf(')');
        var fields = text[(close + 2)..].Split(' ');
        // Field 3 (state) is fields[0]: ppid is field 4, utime 14, stime 15.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture),
            int.Parse(fields[1], CultureInfo.InvariantCulture), text[(text.IndexOf('(') + 1)..close]);
    }
}
