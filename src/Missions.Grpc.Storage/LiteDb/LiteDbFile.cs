namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// One of the database's files as LiteDB sees it.
/// <para>
/// The log never throws a write error into LiteDB. LiteDB 5.0.21 moves a page into its cache as written before it
/// writes it; when that write throws, the transaction can be neither rolled back nor disposed, every later call on
/// the engine fails, and the transaction's finalizer then throws on the GC thread and ends the process
/// (litedb-org/LiteDB#2828). So a failed log write <em>poisons</em> the log instead: that write and every later one
/// are dropped (the file keeps a prefix of what LiteDB wrote, which it reads back as "not committed" from the first
/// missing page), <see cref="Failure"/> holds the error, and the writer — which looks after every commit — closes the
/// session and lets the files say what was committed. Reads check it too, so none returns what a poisoned commit
/// only seemed to write.
/// </para>
/// <para>
/// The data file throws as usual: only checkpoints write it, and a checkpoint must stop (keeping the log) when a page
/// of it cannot be written.
/// </para>
/// After a fault the writer <see cref="Fence"/>s both files: nothing the failed engine does on its way out reaches the
/// disk (the log drops it, the data file refuses it).
/// </summary>
internal sealed class LiteDbFile(string path, LiteDbFileRole role, Stream inner) : Stream
{
    private volatile bool _fenced;
    private volatile Exception? _failure;

    public string Path { get; } = path;

    /// <summary>The log write that failed (poisoning the log); null while every write has succeeded.</summary>
    public Exception? Failure => _failure;

    /// <summary>From now on nothing is written: the log drops writes, the data file refuses them.</summary>
    public void Fence() => _fenced = true;

    /// <summary>Cuts the file back to <paramref name="length"/> (a failed commit's tail); only once the engine that wrote it is closed. Throws on failure.</summary>
    public void TruncateTo(long length)
    {
        if (inner.Length > length)
        {
            inner.SetLength(length);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override void Write(byte[] buffer, int offset, int count) => Change(() => inner.Write(buffer, offset, count));

    public override void SetLength(long value) => Change(() => inner.SetLength(value));

    /// <summary>LiteDB flushes after creating a file and after a checkpoint: to the device, as it does with its own files.</summary>
    public override void Flush() => Change(() =>
    {
        if (inner is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            inner.Flush();
        }
    });

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

    private void Change(Action change)
    {
        if (role == LiteDbFileRole.Data)
        {
            if (_fenced)
            {
                throw new IOException($"'{Path}' was fenced after a storage fault: nothing more is written through the failed engine");
            }
            change();
            return;
        }
        if (_fenced || _failure is not null)
        {
            return; // dropped: see the class remarks
        }
        try
        {
            change();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            _failure = error;
        }
    }
}
