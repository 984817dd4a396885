using System.Reflection;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// The schema, created and migrated at start-up: versioned SQL scripts (embedded <c>Migrations/NNNN_name.sql</c>), each
/// applied once in its own transaction and recorded in <c>schema_migrations</c>. Several replicas starting at once
/// take turns on an advisory lock; a database whose schema is newer than this build is refused.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The scripts, by version.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations { get; } = Load();

    public static int Latest => Migrations[^1].Version;

    /// <summary>How long a replica waits for another one's migration before it gives up starting.</summary>
    private const int LockWaitSeconds = 120;

    /// <summary>Brings the schema in the connection's search path up to <see cref="Latest"/>.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var schema = new NpgsqlConnectionStringBuilder(connection.ConnectionString).SearchPath?.Split(',')[0].Trim();
        // One lock per schema, taken before anything is created: replicas of one deployment wait for each other
        // (two concurrent CREATE SCHEMA IF NOT EXISTS can still collide); separate schemas do not.
        var lockKey = "missions-grpc-schema:" + (string.IsNullOrEmpty(schema) ? "public" : schema);
        await using (var wait = Pg.Command(connection, "SELECT pg_advisory_lock(hashtext($1))", lockKey))
        {
            wait.CommandTimeout = LockWaitSeconds;
            await wait.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            if (!string.IsNullOrEmpty(schema))
            {
                await Pg.ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS {Identifier(schema)}", cancellationToken).ConfigureAwait(false);
            }
            await Pg.ExecuteAsync(connection,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken).ConfigureAwait(false);
            var current = await Pg.FirstAsync(connection, "SELECT coalesce(max(version), 0) FROM schema_migrations", r => r.GetInt32(0), cancellationToken)
                .ConfigureAwait(false);
            if (current > Latest)
            {
                throw new StorageStartException(
                    $"The PostgreSQL schema is at version {current}, newer than this build knows ({Latest}): a newer Missions.Grpc has migrated it. " +
                    "Run that version (or newer); nothing was changed.");
            }
            foreach (var (version, name, sql) in Migrations.Where(m => m.Version > current))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await Pg.ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
                await Pg.ExecuteAsync(connection, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", cancellationToken, version, name)
                    .ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // Session-level: released with the connection too, should this fail.
            await Pg.ExecuteAsync(connection, "SELECT pg_advisory_unlock(hashtext($1))", CancellationToken.None, lockKey).ConfigureAwait(false);
        }
    }

    /// <summary>A quoted SQL identifier.</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private static List<(int, string, string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Postgres.Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[(n.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..^".sql".Length];
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (int.Parse(file[..file.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture), file, reader.ReadToEnd());
            })
            .OrderBy(m => m.Item1)
            .ToList();
    }
}
