namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Opens the database's files: where the server meets the disk, and where tests put a disk that fails.</summary>
internal interface IStorageFileOpener
{
    /// <summary>Opens (or creates) <paramref name="path"/> for reading and writing.</summary>
    Stream Open(string path, LiteDbFileRole role);
}
