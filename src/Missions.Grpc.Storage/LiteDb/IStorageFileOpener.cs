namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Which of the database's files is opened.</summary>
internal enum LiteDbFileRole
{
    /// <summary><c>missions.db</c>: the pages checkpoints write.</summary>
    Data,

    /// <summary><c>missions-log.db</c>: the write-ahead log commits append to.</summary>
    Log,
}

/// <summary>Opens the database's files: where the server meets the disk, and where tests put a disk that fails.</summary>
internal interface IStorageFileOpener
{
    /// <summary>Opens (or creates) <paramref name="path"/> for reading and writing.</summary>
    Stream Open(string path, LiteDbFileRole role);
}

/// <summary>The real files, unbuffered: what <see cref="LiteDbFile"/> writes (a commit's pages, gathered) reaches the operating system at once.</summary>
internal sealed class FileSystemFileOpener : IStorageFileOpener
{
    public static FileSystemFileOpener Instance { get; } = new();

    public Stream Open(string path, LiteDbFileRole role) =>
        new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
}
