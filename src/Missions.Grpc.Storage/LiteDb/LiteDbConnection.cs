using System.Globalization;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// This process's hold on one LiteDB file: the lock that keeps other processes out, the <see cref="LiteDbSession"/>
/// open now, and reads that never run on a session being closed. The writer closes and reopens the session after
/// a storage fault (LiteDB cannot recover from a failed write in place); readers wait for the new one for a moment
/// and otherwise get <see cref="StorageUnavailableException"/>. Start-up refuses, with one line an operator can act
/// on, what would lose data or cannot work — and then leaves the files as it found them.
/// </summary>
internal sealed class LiteDbConnection : IDisposable
{
    /// <summary>How long a read waits for the session being reopened, and a close for the reads inside.</summary>
    private static readonly TimeSpan SwapWait = TimeSpan.FromSeconds(5);

    /// <summary>What a read refused during a storage fault tells its caller.</summary>
    private static readonly TimeSpan ReadRetryAfter = TimeSpan.FromSeconds(1);

    // How a held lock surfaces: EWOULDBLOCK from flock on Unix (.NET carries errno as HResult), sharing/lock violations on Windows.
    private const int Ewouldblock = 11;
    private const int WindowsSharingViolation = unchecked((int)0x80070020);
    private const int WindowsLockViolation = unchecked((int)0x80070021);

    private readonly IStorageFileOpener _files;
    private readonly FileStream _processLock;
    /// <summary>Reset while a session is being swapped: readers wait for it. Set otherwise, also when none could be opened (readers then fail at once).</summary>
    private readonly ManualResetEventSlim _opened = new(false);
    private volatile LiteDbSession? _session;

    // What was on disk before this process started: a refused start puts the files back so.
    private bool _dataExisted;
    private bool _logExisted;
    private long _logLengthAtStart;

    private LiteDbConnection(string dataPath, IStorageFileOpener files, FileStream processLock)
    {
        DataPath = dataPath;
        LogPath = Path.Combine(Path.GetDirectoryName(dataPath)!, Path.GetFileNameWithoutExtension(dataPath) + "-log" + Path.GetExtension(dataPath));
        _files = files;
        _processLock = processLock;
    }

    public string DataPath { get; }

    public string LogPath { get; }

    /// <summary>The session open now; null between a close and a successful open.</summary>
    public LiteDbSession? Session => _session;

    /// <summary>A session was closed after a fault and the writer has not yet tried to open the next: reads wait for it.</summary>
    public bool Reopening => _session is null && !_opened.IsSet;

    /// <summary>A read met a storage fault in this session (raised on the reader's thread); the writer reopens.</summary>
    public event Action<LiteDbSession>? ReadFaulted;

    /// <summary>
    /// Opens <paramref name="path"/> for this process: the data folder, the process lock, the start-up guards
    /// (a log without its data file, a volume with less than <paramref name="minFreeBytes"/> free), the engine
    /// and the layout. Throws <see cref="StorageStartException"/>, the files left as found.
    /// </summary>
    public static LiteDbConnection Open(string path, IStorageFileOpener files, long minFreeBytes)
    {
        var dataPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(dataPath)!;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StorageStartException(
                $"The data folder '{folder}' cannot be created ({error.Message}). Create it, writable by this process, or set Storage:LiteDb:Path to a file elsewhere.", error);
        }
        var connection = new LiteDbConnection(dataPath, files, AcquireProcessLock(dataPath));
        try
        {
            connection.Start(minFreeBytes);
            return connection;
        }
        catch
        {
            connection.Abandon();
            throw;
        }
    }

    /// <summary>Runs <paramref name="read"/> (see <see cref="Read{T}"/>) as a completed task, in a span named after the store method.</summary>
    public Task<T> ReadAsync<T>(Func<LiteDbCollections, T> read, [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        using var span = StorageTelemetry.StartRead(operation);
        return Task.FromResult(Read(read));
    }

    /// <summary>
    /// Runs <paramref name="read"/> on the open session. A storage fault becomes <see cref="StorageUnavailableException"/>
    /// (and asks the writer to reopen); while a session is being reopened the read waits for it. A read done in a session
    /// whose log failed meanwhile is done again in the next one: it may have seen a commit that is not in the files.
    /// </summary>
    public T Read<T>(Func<LiteDbCollections, T> read)
    {
        for (var waits = 0; ; )
        {
            var session = _session;
            if (session is null || !session.TryEnter())
            {
                if (waits++ > 1 || !_opened.Wait(SwapWait) || _session is null)
                {
                    throw new StorageUnavailableException(StorageFaultKind.IoError, ReadRetryAfter);
                }
                continue;
            }
            T result;
            try
            {
                result = read(session.Collections);
            }
            catch (Exception error) when (LiteDbFaults.Classify(error) is { } kind)
            {
                ReadFaulted?.Invoke(session);
                throw new StorageUnavailableException(kind, ReadRetryAfter);
            }
            finally
            {
                session.Exit();
            }
            if (session.Failure is null)
            {
                return result;
            }
            ReadFaulted?.Invoke(session); // the writer is settling that session's last commit; read again in the next
            if (waits++ > 1 || !WaitForAnother(session))
            {
                throw new StorageUnavailableException(StorageFaults.Classify(session.Failure) ?? StorageFaultKind.IoError, ReadRetryAfter);
            }
        }
    }

    /// <summary>Waits until a session other than <paramref name="failed"/> is open.</summary>
    private bool WaitForAnother(LiteDbSession failed)
    {
        var deadline = Environment.TickCount64 + (long)SwapWait.TotalMilliseconds;
        while (ReferenceEquals(_session, failed) && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }
        return !ReferenceEquals(_session, failed) && _opened.Wait(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)));
    }

    /// <summary>
    /// Closes <paramref name="session"/> after a fault: fenced first (nothing the failed engine does reaches the
    /// disk), taken from readers, closed once the reads inside have left. The writer's thread only.
    /// </summary>
    public void Close(LiteDbSession session)
    {
        session.Fence();
        if (ReferenceEquals(_session, session))
        {
            _opened.Reset();
            _session = null;
        }
        session.Retire(SwapWait);
        session.Dispose();
    }

    /// <summary>Opens a new session from the files and gives it to readers; the error when it cannot. The writer's thread only.</summary>
    public Exception? TryOpen()
    {
        try
        {
            Publish(LiteDbSession.Open(DataPath, LogPath, _files));
            return null;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            _opened.Set(); // nothing to wait for: readers are refused until a later attempt opens the files
            return error;
        }
    }

    /// <summary>
    /// Cuts the log back to <paramref name="length"/>: what a failed commit appended after it is gone, so that
    /// commit is certainly not in the files. Only while no session is open. The error when it cannot.
    /// </summary>
    public Exception? TryTruncateLog(long length)
    {
        try
        {
            using var log = new LiteDbFile(LogPath, LiteDbFileRole.Log, _files.Open(LogPath, LiteDbFileRole.Log));
            log.TruncateTo(length);
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return error;
        }
    }

    /// <summary>A refused start: closes what was opened and puts the files back as they were before it.</summary>
    public void Abandon()
    {
        if (_session is { } session)
        {
            _session = null;
            session.Fence();
            session.Dispose();
        }
        try
        {
            if (!_dataExisted)
            {
                File.Delete(DataPath);
            }
            if (!_logExisted)
            {
                File.Delete(LogPath);
            }
            else if (new FileInfo(LogPath).Length > _logLengthAtStart)
            {
                using var log = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.Read);
                log.SetLength(_logLengthAtStart);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Best effort: what a refused start appended is an uncommitted tail LiteDB ignores.
        }
        _processLock.Dispose();
    }

    /// <summary>A clean stop (after the writer's last checkpoint): closes the session, removes an empty log, releases the lock.</summary>
    public void Dispose()
    {
        if (_session is { } session)
        {
            _opened.Reset();
            _session = null;
            session.Retire(SwapWait);
            session.Dispose();
        }
        try
        {
            if (File.Exists(LogPath) && new FileInfo(LogPath).Length == 0)
            {
                File.Delete(LogPath);
            }
        }
        catch (IOException)
        {
            // An empty log left behind is harmless.
        }
        _processLock.Dispose();
        _opened.Dispose();
    }

    private void Start(long minFreeBytes)
    {
        _dataExisted = File.Exists(DataPath);
        _logExisted = File.Exists(LogPath);
        _logLengthAtStart = _logExisted ? new FileInfo(LogPath).Length : 0;
        if (_logExisted && _logLengthAtStart > 0 && !_dataExisted)
        {
            throw new StorageStartException(
                $"Found LiteDB log '{LogPath}' without its data file '{DataPath}'. A stale log corrupts a new database: " +
                "restore the data file, or delete the log file too if the data is meant to be discarded.");
        }
        var free = new DriveInfo(Path.GetDirectoryName(DataPath)!).AvailableFreeSpace;
        if (free < minFreeBytes)
        {
            throw new StorageStartException(
                $"The volume holding '{DataPath}' has {free.ToString("N0", CultureInfo.InvariantCulture)} bytes free; the server needs " +
                $"{minFreeBytes.ToString("N0", CultureInfo.InvariantCulture)} (Storage:LiteDb:MinFreeBytes) to start. Free space there and start again; the database files were left as they were.");
        }
        LiteDbSession session;
        try
        {
            session = LiteDbSession.Open(DataPath, LogPath, _files);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw CannotOpen(error);
        }
        try
        {
            LiteDbSchema.Prepare(session.Database);
            if (session.Failure is { } failed)
            {
                throw failed;
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            session.Fence();
            session.Dispose();
            throw LiteDbFaults.Classify(error) is { } kind ? CannotWrite(kind, error) : CannotOpen(error);
        }
        Publish(session);
    }

    /// <summary>The start-up message for a file the engine cannot open (reading it, or creating it).</summary>
    private StorageStartException CannotOpen(Exception error) => StorageFaults.Classify(error) switch
    {
        StorageFaultKind.OutOfSpace => CannotWrite(StorageFaultKind.OutOfSpace, error),
        StorageFaultKind.IoError => new StorageStartException(
            $"The LiteDB file '{DataPath}' cannot be opened: an I/O error ({error.Message}). Check the device (and the system log), then start again; the files were left as they were.", error),
        _ => new StorageStartException(
            $"The LiteDB file '{DataPath}' cannot be opened ({error.GetType().Name}: {error.Message}). It was left untouched: " +
            "restore it from a backup, or move it (and its -log file) away to start with an empty database.", error),
    };

    /// <summary>The start-up message for a write that failed (the layout, or the writer's start-up probe).</summary>
    public StorageStartException CannotWrite(StorageFaultKind kind, Exception error) => kind == StorageFaultKind.OutOfSpace
        ? new StorageStartException(
            $"Writing to '{DataPath}' failed: no space left on the device ({error.Message}). Free space there and start again; the database files were left as they were.", error)
        : new StorageStartException(
            $"Writing to '{DataPath}' failed with an I/O error ({error.Message}). Check the device (and the system log), then start again; the database files were left as they were.", error);

    private void Publish(LiteDbSession session)
    {
        _session = session;
        _opened.Set();
    }

    private static FileStream AcquireProcessLock(string path)
    {
        var lockPath = path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException error) when (error.HResult is Ewouldblock or WindowsSharingViolation or WindowsLockViolation)
        {
            throw new StorageStartException(
                $"The LiteDB file '{path}' is in use by another process (lock '{lockPath}' is held). " +
                "Only one server process may open a LiteDB file; stop the other one or set Storage:LiteDb:Path to another file.",
                error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StorageStartException(
                $"The lock file '{lockPath}' cannot be created ({error.Message}). Make its folder writable by this process " +
                "(and free space on its volume); the database files were left as they were.", error);
        }
    }
}
