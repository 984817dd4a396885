namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// One of the database's files as LiteDB sees it. After a storage fault the writer <see cref="Fence"/>s it:
/// from then on nothing the failed engine does can reach the disk (its rollback and close paths may try to
/// write pages it built before the fault), so the files hold exactly what was committed.
/// </summary>
internal sealed class LiteDbFile(string path, Stream inner) : Stream
{
    private volatile bool _fenced;

    public string Path { get; } = path;

    /// <summary>Refuses every later write, resize and flush; reads go on.</summary>
    public void Fence() => _fenced = true;

    /// <summary>Cuts the file back to <paramref name="length"/> (a failed commit's tail); only once the engine that wrote it is closed.</summary>
    public void TruncateTo(long length)
    {
        if (inner.Length > length)
        {
            inner.SetLength(length);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override void Write(byte[] buffer, int offset, int count)
    {
        ThrowIfFenced();
        inner.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfFenced();
        inner.Write(buffer);
    }

    public override void SetLength(long value)
    {
        ThrowIfFenced();
        inner.SetLength(value);
    }

    /// <summary>LiteDB flushes after creating a file and after a checkpoint: to the device, as it does with its own files.</summary>
    public override void Flush()
    {
        ThrowIfFenced();
        if (inner is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            inner.Flush();
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private void ThrowIfFenced()
    {
        if (_fenced)
        {
            throw new IOException($"'{Path}' was fenced after a storage fault: nothing more is written through the failed engine");
        }
    }
}
