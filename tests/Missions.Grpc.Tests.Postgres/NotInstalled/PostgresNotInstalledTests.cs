namespace Missions.Grpc.Tests;

/// <summary>What this assembly runs when PostgreSQL is not installed: nothing, and says how to run it.</summary>
public sealed class PostgresNotInstalledTests
{
    [Fact(Skip = "PostgreSQL is not installed, so the suite did not run on it: install it (Debian: sudo apt-get install -y postgresql; .ci/run does) " +
        "or set MISSIONS_TEST_POSTGRES to a connection string, then run dotnet test again.")]
    public void The_suite_runs_on_postgresql_when_it_is_installed()
    {
    }
}
