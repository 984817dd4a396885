using Missions.Grpc.Storage.LiteDb;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// The database's files on a disk that fails when told to, deterministically: the Nth write to the log, every write
/// to the data file (checkpoints), a volume size (writes past it are torn at the limit and fail with ENOSPC, as a
/// full disk does), opens, truncations. Everything else is the real file. Writes come from one thread at a time
/// (the store's writer), so "the Nth write" is exact.
/// </summary>
internal sealed class FaultyDisk : IStorageFileOpener
{
    public const int Eio = 5;
    public const int Enospc = 28;

    private readonly object _gate = new();
    private readonly HashSet<string> _paths = [];
    private int _logWritesUntilFault = -1;
    private int _logFaultsLeft;
    private WriteFault _logFault;
    private int _logErrno;

    /// <summary>Bytes all the database's files may hold together; writes past it fail with ENOSPC. Null: no limit.</summary>
    public long? Quota { get; set; }

    /// <summary>Every write to the data file fails with EIO (what a checkpoint writes).</summary>
    public bool FailDataWrites { get; set; }

    /// <summary>Opening the data file fails with EIO: the database cannot be opened (its log still can).</summary>
    public bool FailDataOpens { get; set; }

    /// <summary>When set, opening the data file waits until it is signalled (a reopen caught in the middle).</summary>
    public ManualResetEventSlim? HoldDataOpens { get; set; }

    /// <summary>Signalled when an open of the data file starts waiting on <see cref="HoldDataOpens"/>.</summary>
    public ManualResetEventSlim DataOpenHeld { get; } = new(false);

    /// <summary>When set, every write to the log waits until it is signalled (the writer caught mid-commit).</summary>
    public ManualResetEventSlim? HoldLogWrites { get; set; }

    /// <summary>Signalled when a log write starts waiting on <see cref="HoldLogWrites"/>.</summary>
    public ManualResetEventSlim LogWriteHeld { get; } = new(false);

    /// <summary>Shrinking a file fails with EIO.</summary>
    public bool FailTruncates { get; set; }

    /// <summary>Log writes so far.</summary>
    public int LogWrites { get; private set; }

    /// <summary>Faults injected so far.</summary>
    public int Injected { get; private set; }

    /// <summary>Bytes the database's files hold now.</summary>
    public long Used
    {
        get
        {
            lock (_gate)
            {
                return _paths.Sum(p => File.Exists(p) ? new FileInfo(p).Length : 0);
            }
        }
    }

    /// <summary>Fails log writes: after <paramref name="skip"/> more succeed, the next <paramref name="count"/> fail.</summary>
    public void FailLogWrites(int skip, WriteFault fault = WriteFault.Before, int errno = Eio, int count = int.MaxValue)
    {
        lock (_gate)
        {
            _logWritesUntilFault = skip;
            _logFaultsLeft = count;
            _logFault = fault;
            _logErrno = errno;
        }
    }

    /// <summary>Every fault off: the disk works again.</summary>
    public void Lift()
    {
        lock (_gate)
        {
            _logWritesUntilFault = -1;
            Quota = null;
            FailDataWrites = false;
            FailDataOpens = false;
            FailTruncates = false;
        }
    }

    public Stream Open(string path, LiteDbFileRole role)
    {
        if (role == LiteDbFileRole.Data && HoldDataOpens is { } hold)
        {
            DataOpenHeld.Set();
            hold.Wait();
        }
        lock (_gate)
        {
            if (FailDataOpens && role == LiteDbFileRole.Data)
            {
                Injected++;
                throw Error(Eio, path);
            }
            _paths.Add(path);
        }
        return new FaultyStream(this, role, path,
            new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess));
    }

    private static IOException Error(int errno, string path) =>
        new(errno == Enospc ? $"No space left on device : '{path}'" : $"Input/output error : '{path}'", errno);

    /// <summary>Decides a write of <paramref name="count"/> bytes at <paramref name="position"/>: how many reach the file, and the error after them.</summary>
    private (int Written, IOException? Error) Decide(LiteDbFileRole role, string path, long length, long position, int count)
    {
        lock (_gate)
        {
            if (role == LiteDbFileRole.Log)
            {
                LogWrites++;
                if (_logWritesUntilFault == 0 && _logFaultsLeft > 0)
                {
                    _logFaultsLeft--;
                    Injected++;
                    var written = _logFault switch { WriteFault.Before => 0, WriteFault.Torn => count / 2, _ => count };
                    return (written, Error(_logErrno, path));
                }
                if (_logWritesUntilFault > 0)
                {
                    _logWritesUntilFault--;
                }
            }
            if (role == LiteDbFileRole.Data && FailDataWrites)
            {
                Injected++;
                return (0, Error(Eio, path));
            }
            if (Quota is { } quota)
            {
                var free = quota - _paths.Sum(p => File.Exists(p) ? new FileInfo(p).Length : 0);
                if (position + count > length + free)
                {
                    Injected++;
                    return ((int)Math.Clamp(length + free - position, 0, count), Error(Enospc, path));
                }
            }
            return (count, null);
        }
    }

    private sealed class FaultyStream(FaultyDisk disk, LiteDbFileRole role, string path, FileStream inner) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (role == LiteDbFileRole.Log && disk.HoldLogWrites is { } hold)
            {
                disk.LogWriteHeld.Set();
                hold.Wait();
            }
            var (written, error) = disk.Decide(role, path, inner.Length, inner.Position, count);
            if (written > 0)
            {
                inner.Write(buffer, offset, written);
            }
            if (error is not null)
            {
                throw error;
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void SetLength(long value)
        {
            if (value < inner.Length && disk.FailTruncates)
            {
                throw Error(Eio, path);
            }
            if (value > inner.Length)
            {
                var (written, error) = disk.Decide(role, path, inner.Length, inner.Length, (int)(value - inner.Length));
                if (error is not null)
                {
                    inner.SetLength(inner.Length + written);
                    throw error;
                }
            }
            inner.SetLength(value);
        }

        public override void Flush() => inner.Flush(flushToDisk: true);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

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
    }
}
