using System.Diagnostics;
using System.Net;
using Npgsql;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// A private PostgreSQL cluster for tests: <c>initdb</c> in a temporary folder, started on a free loopback port, as the
/// <c>postgres</c> user when the tests run as root (PostgreSQL refuses to run as root), stopped and removed when the
/// test process ends. <see cref="Shared"/> serves the whole run (each test takes a schema of its own); a test that stops
/// the database (crash tests) makes one of its own. <c>MISSIONS_TEST_POSTGRES</c> (a connection string) uses an existing
/// server instead of the shared cluster.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private static readonly Lazy<PostgresCluster> SharedCluster = new(() => new PostgresCluster(), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly string? _folder;
    private readonly string? _bin;
    private readonly string _baseConnectionString;

    private PostgresCluster()
    {
        if (Environment.GetEnvironmentVariable("MISSIONS_TEST_POSTGRES") is { Length: > 0 } external)
        {
            _baseConnectionString = external;
            return;
        }
        _bin = FindBin() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed: install it (Debian: apt-get install -y postgresql; .ci/run does) or set MISSIONS_TEST_POSTGRES to a connection string.");
        _folder = Path.Combine(Path.GetTempPath(), "missions-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_folder);
        Port = LoopbackPorts.Next();
        if (IsRoot)
        {
            Run("chown", ["-R", "postgres:postgres", _folder]);
        }
        RunAsPostgres("initdb", ["-D", DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
        Start();
        _baseConnectionString = $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=60";
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    /// <summary>The cluster every test of this run shares.</summary>
    public static PostgresCluster Shared => SharedCluster.Value;

    /// <summary>Whether tests can have a cluster here (binaries installed, or an external server named).</summary>
    public static bool Available => Environment.GetEnvironmentVariable("MISSIONS_TEST_POSTGRES") is { Length: > 0 } || FindBin() is not null;

    /// <summary>A cluster of the caller's own (stopped and restarted by the test): dispose it.</summary>
    public static PostgresCluster CreatePrivate() => new();

    public int Port { get; }

    private string DataDirectory => Path.Combine(_folder!, "data");

    /// <summary>A connection string whose tables live in <paramref name="schema"/> (created by the server's migrations).</summary>
    public string ConnectionString(string schema) => $"{_baseConnectionString};Search Path={schema}";

    public void Start() => RunAsPostgres("pg_ctl",
    [
        "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(_folder!, "server.log"),
        // Log lines name the session's application (a test that logs statements finds its own: Application Name).
        "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=on -c synchronous_commit=on -c log_line_prefix='%m [%p] %a: '", "start",
    ]);

    /// <summary>The server's log (statements, when a session asks for them with <c>-c log_statement=all</c>).</summary>
    public string LogPath => Path.Combine(_folder ?? throw new InvalidOperationException("An external server's log is not here."), "server.log");

    /// <summary>The running server's main process (its first line of <c>postmaster.pid</c>); every backend is its child.</summary>
    public int PostmasterPid => int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The folder of the cluster's binaries (<c>pgbench</c>, <c>psql</c>, …).</summary>
    public string BinDirectory => _bin ?? throw new InvalidOperationException("An external server (MISSIONS_TEST_POSTGRES) has no local binaries.");

    /// <summary>The connection string of the cluster itself (no search path).</summary>
    public string BaseConnectionString => _baseConnectionString;

    /// <summary><c>pg_ctl stop -m immediate</c>: the server dies without a checkpoint; recovery replays its WAL at the next start.</summary>
    public void StopImmediately() => RunAsPostgres("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);

    /// <summary>Drops a test's schema (its tables go with it).</summary>
    public void DropSchema(string schema)
    {
        try
        {
            using var connection = new NpgsqlConnection(_baseConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            command.ExecuteNonQuery();
        }
        catch (Exception error) when (error is NpgsqlException or InvalidOperationException)
        {
            // the cluster is temporary: a schema left behind goes with it
        }
    }

    public void Dispose()
    {
        if (_folder is null || !Directory.Exists(_folder))
        {
            return;
        }
        try
        {
            RunAsPostgres("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "stop"], check: false);
        }
        finally
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // left in the temp folder
            }
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private void RunAsPostgres(string tool, string[] args, bool check = true)
    {
        var path = Path.Combine(_bin!, tool);
        if (IsRoot)
        {
            Run("runuser", ["-u", "postgres", "--", path, .. args], check);
        }
        else
        {
            Run(path, args, check);
        }
    }

    private static void Run(string file, string[] args, bool check = true)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {error.Result}{output.Result}");
        }
    }

    private static string? FindBin()
    {
        var root = "/usr/lib/postgresql";
        return Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
    }
}
