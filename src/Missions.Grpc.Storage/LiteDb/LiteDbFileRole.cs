namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Which of the database's files is opened.</summary>
internal enum LiteDbFileRole
{
    /// <summary><c>missions.db</c>: the pages checkpoints write.</summary>
    Data,

    /// <summary><c>missions-log.db</c>: the write-ahead log commits append to.</summary>
    Log,
}
