namespace Missions.Grpc.Storage.LiteDb;

/// <summary>The real files, unbuffered: what <see cref="LiteDbFile"/> writes (a commit's pages, gathered) reaches the operating system at once.</summary>
internal sealed class FileSystemFileOpener : IStorageFileOpener
{
    public static FileSystemFileOpener Instance { get; } = new();

    public Stream Open(string path, LiteDbFileRole role) =>
        new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
}
