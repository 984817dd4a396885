using System.Net.Sockets;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>Which PostgreSQL failures mean "the database is not reachable right now" (retry later) rather than a bug.</summary>
internal static class PostgresFaults
{
    /// <summary>
    /// The database went away or cannot be reached: connection failures, a server shutting down or restarting, too many
    /// connections, a cancelled statement at server shutdown. Nothing of the current transaction is committed.
    /// </summary>
    public static bool IsUnreachable(Exception error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
                        || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) // admin/crash shutdown, cannot connect now
                        || pg.SqlState is "53300" or "53400"; // too many connections, configuration limit
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>The transaction lost a race the database resolves by aborting one side (deadlock, serialization): run it again.</summary>
    public static bool IsRetryable(Exception error) =>
        error is PostgresException { SqlState: "40P01" or "40001" };

    public static StorageUnavailableException Unreachable(TimeSpan retryAfter, bool outcomeUnknown = false) =>
        new(StorageFaultKind.Unreachable, retryAfter, outcomeUnknown);
}
