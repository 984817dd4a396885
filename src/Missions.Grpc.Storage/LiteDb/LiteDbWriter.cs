using System.Threading.Channels;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The one writer of a LiteDB database. Callers queue commands; a dedicated thread takes every
/// command waiting (up to a batch size), runs them in one transaction and commits (group commit),
/// then completes each caller. A caller is completed only after its batch committed, so an
/// acknowledged write is in LiteDB's log. One writer because LiteDB 5.0.21 can corrupt its file when
/// transactions write different collections concurrently (litedb-org/LiteDB#2825), and because one
/// commit per batch is several times faster than one per write. A command that throws rolls back
/// its batch; the batch is then replayed one command per transaction so only that caller fails.
/// </summary>
internal sealed class LiteDbWriter : IDisposable
{
    private readonly LiteDatabase _db;
    private readonly int _maxBatch;
    private readonly ILogger _logger;
    private readonly Channel<IWriteCommand> _queue;
    private readonly Thread _thread;

    public LiteDbWriter(LiteDatabase db, int maxBatch, ILogger logger)
    {
        _db = db;
        _maxBatch = Math.Max(1, maxBatch);
        _logger = logger;
        _queue = Channel.CreateBounded<IWriteCommand>(new BoundedChannelOptions(16 * 1024)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _thread = new Thread(Run) { IsBackground = true, Name = "litedb-writer" };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="work"/>; the task completes after the batch holding it committed.</summary>
    public Task<T> ExecuteAsync<T>(Func<LiteDatabase, T> work, CancellationToken cancellationToken) =>
        ExecuteAsync(work, null, cancellationToken);

    /// <summary>
    /// Like <see cref="ExecuteAsync{T}(Func{LiteDatabase, T}, CancellationToken)"/>; <paramref name="afterCommit"/>
    /// runs on the writer thread right after the commit, in commit order, before the caller is completed
    /// (how committed changes are published to watchers in order). It must not block or throw.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<LiteDatabase, T> work, Action<T>? afterCommit, CancellationToken cancellationToken)
    {
        var command = new WriteCommand<T>(work, afterCommit);
        await _queue.Writer.WriteAsync(command, cancellationToken).ConfigureAwait(false);
        // Once queued the write goes ahead; cancellation only stops the caller from waiting for it.
        return await command.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Run()
    {
        var batch = new List<IWriteCommand>(_maxBatch);
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < _maxBatch && reader.TryRead(out var command))
            {
                batch.Add(command);
            }
            CommitBatch(batch);
            batch.Clear();
        }
    }

    private void CommitBatch(List<IWriteCommand> batch)
    {
        try
        {
            _db.BeginTrans();
            foreach (var command in batch)
            {
                command.Run(_db);
            }
            _db.Commit();
        }
        catch (Exception batchError)
        {
            SafeRollback();
            if (batch.Count == 1)
            {
                batch[0].Fail(batchError);
                return;
            }
            foreach (var command in batch)
            {
                CommitOne(command);
            }
            return;
        }
        foreach (var command in batch)
        {
            Committed(command);
        }
    }

    private void Committed(IWriteCommand command)
    {
        try
        {
            command.AfterCommit();
        }
        catch (Exception error)
        {
            _logger.LogError(error, "A post-commit hook failed; the write itself is committed");
        }
        command.Succeed();
    }

    private void CommitOne(IWriteCommand command)
    {
        try
        {
            _db.BeginTrans();
            command.Run(_db);
            _db.Commit();
        }
        catch (Exception error)
        {
            SafeRollback();
            command.Fail(error);
            return;
        }
        Committed(command);
    }

    private void SafeRollback()
    {
        try
        {
            _db.Rollback();
        }
        catch (Exception error)
        {
            _logger.LogError(error, "LiteDB rollback failed");
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join();
    }

    private interface IWriteCommand
    {
        void Run(LiteDatabase db);
        void AfterCommit();
        void Succeed();
        void Fail(Exception error);
    }

    private sealed class WriteCommand<T>(Func<LiteDatabase, T> work, Action<T>? afterCommit) : IWriteCommand
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Completion => _completion.Task;

        public void Run(LiteDatabase db) => _result = work(db);

        public void AfterCommit() => afterCommit?.Invoke(_result);

        public void Succeed() => _completion.TrySetResult(_result);

        public void Fail(Exception error) => _completion.TrySetException(error);
    }
}
