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
/// <para>
/// Writes are gathered (LiteDB writes one 8 KB page per call, and a system call per page was a large part of a write's
/// cost): a commit's log pages go out as one write when its last page — the one LiteDB marks confirmed — arrives, so
/// before LiteDB makes the commit visible to readers, as before; a checkpoint's data pages are kept by position (the
/// log holds many versions of a busy page; only the last is written) and written in file order when LiteDB flushes
/// them, before it empties the log. Sequential reads of the log (a checkpoint reads it whole) read ahead. Every read
/// and write of a file passes through its one instance (LiteDB's streams over it share it under its lock), so a read
/// always sees what was written: one that reaches gathered bytes writes them first.
/// </para>
/// After a fault the writer <see cref="Fence"/>s both files: nothing the failed engine does on its way out reaches the
/// disk (the log drops it, gathered pages included; the data file refuses it).
/// </summary>
internal sealed class LiteDbFile(string path, LiteDbFileRole role, Stream inner) : Stream
{
    /// <summary>LiteDB's page size: the unit it reads and writes.</summary>
    public const int PageSize = 8192;

    /// <summary>Where LiteDB's page header says the page is its transaction's last (the commit's confirmation).</summary>
    private const int ConfirmedFlagOffset = 18;

    /// <summary>A transaction LiteDB spills to the log before its commit is written out at this size, gathered or not.</summary>
    private const int MaxGatheredLogBytes = 4 << 20;

    /// <summary>The most one read ahead, or one write of adjacent data pages, covers.</summary>
    private const int RunBytes = 256 << 10;

    private readonly object _gate = new();
    private volatile bool _fenced;
    private volatile Exception? _failure;
    private long _position;

    /// <summary>Log: the running commit's pages, from <see cref="_gatheredAt"/>, not yet written.</summary>
    private byte[] _gathered = [];
    private int _gatheredLength;
    private long _gatheredAt;

    /// <summary>Data: a checkpoint's pages by position (the last version of each), not yet written.</summary>
    private readonly SortedDictionary<long, byte[]> _pages = [];

    /// <summary>Log: bytes read ahead from <see cref="_readAheadAt"/>, and where the last read ended.</summary>
    private byte[]? _readAhead;
    private int _readAheadLength;
    private long _readAheadAt;
    private long _lastReadEnd = -1;
    private int _sequentialReads;

    public string Path { get; } = path;

    /// <summary>The log write that failed (poisoning the log); null while every write has succeeded.</summary>
    public Exception? Failure => _failure;

    /// <summary>From now on nothing is written: the log drops writes, the data file refuses them; gathered pages are dropped.</summary>
    public void Fence()
    {
        _fenced = true;
        lock (_gate)
        {
            DropGathered();
        }
    }

    /// <summary>Cuts the file back to <paramref name="length"/> (a failed commit's tail); only once the engine that wrote it is closed. Throws on failure.</summary>
    public void TruncateTo(long length)
    {
        lock (_gate)
        {
            DropGathered();
            if (inner.Length > length)
            {
                inner.SetLength(length);
            }
        }
    }

    /// <summary>
    /// Writes a commit's gathered log pages now. Its confirming page already did; the writer calls this after every
    /// commit anyway, so that no acknowledged write ever waits in memory whatever LiteDB marks.
    /// </summary>
    public void WriteGathered()
    {
        lock (_gate)
        {
            WriteGatheredLog();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            var position = _position;
            var end = position + buffer.Length;
            if (role == LiteDbFileRole.Log)
            {
                if (_gatheredLength > 0 && position < _gatheredAt + _gatheredLength && end > _gatheredAt)
                {
                    WriteGatheredLog();
                }
                if (ReadAhead(position, buffer) is var ahead and > 0)
                {
                    _position += ahead;
                    return ahead;
                }
            }
            else if (_pages.Count > 0)
            {
                WritePages(); // only a checkpoint leaves pages here, and nothing reads the data file during one
            }
            inner.Position = position;
            var read = inner.Read(buffer);
            _position += read;
            _lastReadEnd = _position;
            return read;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_gate)
        {
            var position = _position;
            _position += buffer.Length;
            _readAheadLength = 0;
            if (role == LiteDbFileRole.Data)
            {
                ThrowIfFenced();
                if (buffer.Length == PageSize && position % PageSize == 0)
                {
                    if (!_pages.TryGetValue(position, out var page))
                    {
                        _pages[position] = page = new byte[PageSize];
                    }
                    buffer.CopyTo(page);
                    return;
                }
                WritePages();
                inner.Position = position;
                inner.Write(buffer);
                return;
            }
            if (_fenced || _failure is not null)
            {
                return; // dropped: see the class remarks
            }
            if (_gatheredLength > 0 && position != _gatheredAt + _gatheredLength)
            {
                WriteGatheredLog();
            }
            if (_gatheredLength == 0)
            {
                _gatheredAt = position;
            }
            if (_gathered.Length < _gatheredLength + buffer.Length)
            {
                Array.Resize(ref _gathered, Math.Max(_gatheredLength + buffer.Length, Math.Max(64 << 10, _gathered.Length * 2)));
            }
            buffer.CopyTo(_gathered.AsSpan(_gatheredLength));
            _gatheredLength += buffer.Length;
            var confirmed = buffer.Length == PageSize && buffer[ConfirmedFlagOffset] != 0;
            if (confirmed || buffer.Length != PageSize || _gatheredLength >= MaxGatheredLogBytes)
            {
                WriteGatheredLog();
            }
        }
    }

    public override void SetLength(long value)
    {
        lock (_gate)
        {
            _readAheadLength = 0;
            if (role == LiteDbFileRole.Data)
            {
                ThrowIfFenced();
                WritePages();
                inner.SetLength(value);
                return;
            }
            WriteGatheredLog();
            ToLog(() => inner.SetLength(value));
        }
    }

    /// <summary>LiteDB flushes after creating a file and after a checkpoint: gathered pages, then to the device, as it does with its own files.</summary>
    public override void Flush()
    {
        lock (_gate)
        {
            if (role == LiteDbFileRole.Data)
            {
                ThrowIfFenced();
                WritePages();
                FlushToDevice();
                return;
            }
            WriteGatheredLog();
            ToLog(FlushToDevice);
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        lock (_gate)
        {
            return _position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => Length + offset,
            };
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => true;

    public override long Length
    {
        get
        {
            lock (_gate)
            {
                var length = inner.Length;
                if (_gatheredLength > 0)
                {
                    length = Math.Max(length, _gatheredAt + _gatheredLength);
                }
                if (_pages.Count > 0)
                {
                    length = Math.Max(length, _pages.Keys.Max() + PageSize);
                }
                return length;
            }
        }
    }

    public override long Position
    {
        get => Volatile.Read(ref _position);
        set => Volatile.Write(ref _position, value);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                DropGathered(); // a transaction that never committed, or a checkpoint that never finished: the log has it all
            }
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private void FlushToDevice()
    {
        if (inner is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            inner.Flush();
        }
    }

    /// <summary>The gathered log pages in one write; a failure poisons the log (nothing after it is written).</summary>
    private void WriteGatheredLog()
    {
        if (_gatheredLength == 0)
        {
            return;
        }
        var length = _gatheredLength;
        _gatheredLength = 0;
        _readAheadLength = 0; // appends lie past what was read ahead; dropped all the same, so nothing read ahead can be older than a write
        ToLog(() =>
        {
            inner.Position = _gatheredAt;
            inner.Write(_gathered, 0, length);
        });
    }

    /// <summary>A change to the log: dropped once the log is fenced or poisoned; a failure poisons it (see the class remarks).</summary>
    private void ToLog(Action change)
    {
        if (_fenced || _failure is not null)
        {
            return;
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

    private void ThrowIfFenced()
    {
        if (_fenced)
        {
            throw new IOException($"'{Path}' was fenced after a storage fault: nothing more is written through the failed engine");
        }
    }

    /// <summary>A checkpoint's pages in file order, adjacent pages in one write; throws (the checkpoint keeps the log) on failure.</summary>
    private void WritePages()
    {
        if (_pages.Count == 0)
        {
            return;
        }
        try
        {
            if (_fenced)
            {
                return; // dropped; Flush and Write refuse
            }
            var run = new MemoryStream();
            var runAt = -1L;
            foreach (var (position, page) in _pages)
            {
                if (runAt >= 0 && (position != runAt + run.Length || run.Length >= RunBytes))
                {
                    WriteRun(runAt, run);
                    runAt = -1;
                }
                if (runAt < 0)
                {
                    runAt = position;
                }
                run.Write(page);
            }
            WriteRun(runAt, run);
        }
        finally
        {
            _pages.Clear();
        }
    }

    private void WriteRun(long at, MemoryStream run)
    {
        inner.Position = at;
        inner.Write(run.GetBuffer(), 0, (int)run.Length);
        run.SetLength(0);
    }

    /// <summary>Serves a read from bytes read ahead, reading ahead when the reads are sequential; 0 when it does not.</summary>
    private int ReadAhead(long position, Span<byte> buffer)
    {
        if (_readAheadLength > 0 && position >= _readAheadAt && position + buffer.Length <= _readAheadAt + _readAheadLength)
        {
            _readAhead.AsSpan((int)(position - _readAheadAt), buffer.Length).CopyTo(buffer);
            _lastReadEnd = position + buffer.Length;
            return buffer.Length;
        }
        _sequentialReads = position == _lastReadEnd ? _sequentialReads + 1 : 0;
        if (_sequentialReads < 2 || buffer.Length > RunBytes)
        {
            return 0; // a third read in sequence reads ahead (a checkpoint reading the log whole); scattered page reads do not
        }
        _readAhead ??= new byte[RunBytes];
        inner.Position = position;
        var read = 0;
        while (read < RunBytes && inner.Read(_readAhead, read, RunBytes - read) is var n and > 0)
        {
            read += n;
        }
        (_readAheadAt, _readAheadLength) = (position, read);
        var served = Math.Min(read, buffer.Length);
        _readAhead.AsSpan(0, served).CopyTo(buffer);
        _lastReadEnd = position + served;
        return served;
    }

    private void DropGathered()
    {
        _gatheredLength = 0;
        _pages.Clear();
        _readAheadLength = 0;
    }
}
