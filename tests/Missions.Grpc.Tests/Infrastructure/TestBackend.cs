namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The storage backend this test assembly runs on: the same tests compile into Missions.Grpc.Tests (LiteDB) and into
/// Missions.Grpc.Tests.Postgres (symbol POSTGRES: PostgreSQL, on <see cref="PostgresCluster.Shared"/>).
/// </summary>
public static class TestBackend
{
#if POSTGRES
    public static bool IsPostgres => true;
#else
    public static bool IsPostgres => false;
#endif

    public static string Name => IsPostgres ? "PostgreSQL" : "LiteDB";
}
