
namespace Missions.Grpc.Tests.Postgres;

/// <summary>Where <see cref="CommitCutProxy"/> cuts the connection that sends the next <c>COMMIT</c>.</summary>
public enum CommitCut
{
    /// <summary>Before the database receives it: the transaction is rolled back.</summary>
    BeforeCommit,

    /// <summary>After the database received it, before its answer reaches the client: committed, answer lost.</summary>
    AfterCommit,
}
