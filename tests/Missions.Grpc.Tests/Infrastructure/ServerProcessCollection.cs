namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>Server processes are started one test at a time (2 cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerProcessCollection
{
    public const string Name = "server processes";
}
