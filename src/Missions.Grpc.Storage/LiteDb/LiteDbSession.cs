using System.Globalization;
using LiteDB;
using LiteDB.Engine;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// One opening of the database: its two files, the LiteDB engine over them, and a count of the reads inside
/// it, so the writer can retire it (after a storage fault) without pulling it from under a read.
/// </summary>
internal sealed class LiteDbSession : IDisposable
{
    /// <summary>Ordinal: LiteDB's default ignores case, which would make organizations "acme" and "Acme" one range of every key index.</summary>
    private static readonly Collation OrdinalCollation = new(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal);

    private int _readers;
    private int _retired;

    private LiteDbSession(LiteDbFile data, LiteDbFile log, LiteDatabase database)
    {
        Data = data;
        Log = log;
        Database = database;
        Collections = new LiteDbCollections(database);
        CommittedSequence = LiteDbSchema.ReadCommitSequence(database);
    }

    public LiteDbFile Data { get; }

    public LiteDbFile Log { get; }

    public LiteDatabase Database { get; }

    public LiteDbCollections Collections { get; }

    /// <summary>The commit marker as the files held it when this session opened.</summary>
    public long CommittedSequence { get; }

    /// <summary>Opens the engine over the two files (LiteDB creates the data file's first page when it is new).</summary>
    public static LiteDbSession Open(string dataPath, string logPath, IStorageFileOpener opener)
    {
        LiteDbFile? data = null;
        LiteDbFile? log = null;
        LiteDatabase? database = null;
        try
        {
            data = new LiteDbFile(dataPath, LiteDbFileRole.Data, opener.Open(dataPath, LiteDbFileRole.Data));
            log = new LiteDbFile(logPath, LiteDbFileRole.Log, opener.Open(logPath, LiteDbFileRole.Log));
            var engine = new LiteEngine(new EngineSettings { DataStream = data, LogStream = log, Collation = OrdinalCollation });
            database = new LiteDatabase(engine, LiteDbSchema.CreateMapper(), disposeOnClose: true);
            return new LiteDbSession(data, log, database);
        }
        catch
        {
            data?.Fence();
            log?.Fence();
            DisposeQuietly(database);
            data?.Dispose();
            log?.Dispose();
            throw;
        }
    }

    /// <summary>Enters a read; false once the session is retired (the caller waits for the next one).</summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _readers);
        if (Volatile.Read(ref _retired) == 0)
        {
            return true;
        }
        Interlocked.Decrement(ref _readers);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _readers);

    /// <summary>Refuses new reads and waits (at most <paramref name="timeout"/>) for those inside to leave.</summary>
    public void Retire(TimeSpan timeout)
    {
        Interlocked.Exchange(ref _retired, 1);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var spin = new SpinWait();
        while (Volatile.Read(ref _readers) > 0 && Environment.TickCount64 < deadline)
        {
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    /// <summary>A log write failed in this session: what it committed since is not known until the files are read back.</summary>
    public Exception? Failure => Log.Failure;

    /// <summary>Makes both files take no more writes: what the engine does from now on cannot reach the disk.</summary>
    public void Fence()
    {
        Data.Fence();
        Log.Fence();
    }

    /// <summary>Closes the engine (LiteDB's own close writes nothing: its automatic checkpoint is off) and the files.</summary>
    public void Dispose()
    {
        DisposeQuietly(Database);
        Data.Dispose();
        Log.Dispose();
    }

    private static void DisposeQuietly(LiteDatabase? database)
    {
        try
        {
            database?.Dispose();
        }
        catch (Exception error) when (error is LiteException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // A session closed after a fault: its engine may fail on the way out; the files are what count.
        }
    }
}
