using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The embedded backend: one LiteDB file in direct mode, opened by <see cref="LiteDbConnection"/> (one process per
/// file; reopened after a storage fault), all writes through the single <see cref="LiteDbWriter"/> (group commit), reads
/// concurrent. One store per resource shares this context; the domain rules are the core's (<see cref="RunRules"/>,
/// <see cref="PlanRules"/>, …): the stores only persist, and make each change one writer command (atomic).
/// Lists walk string keys of the form organization + '\u0001' + … + UUIDv7 id (so creation order); totals come from
/// counters the writer keeps in the same transaction as the change.
/// </summary>
public sealed class LiteDbBackend : IStorageBackend, IStorageHealth
{
    private readonly RunFeedHub _feed = new();

    public LiteDbBackend(IOptions<StorageOptions> options, ILogger<LiteDbBackend> logger, TimeProvider? time = null)
        : this(options, logger, time, FileSystemFileOpener.Instance)
    {
    }

    /// <summary>Opens the file through <paramref name="files"/> (tests give a disk that fails). Throws <see cref="StorageStartException"/>.</summary>
    internal LiteDbBackend(IOptions<StorageOptions> options, ILogger<LiteDbBackend> logger, TimeProvider? time, IStorageFileOpener files)
    {
        var liteDb = options.Value.LiteDb;
        Clock = new StoreClock(time);
        Ids = new UuidV7Generator(Clock.Time);
        Connection = LiteDbConnection.Open(liteDb.Path, files, liteDb.MinFreeBytes);
        try
        {
            Writer = new LiteDbWriter(Connection, liteDb.MaxBatchSize, liteDb.CheckpointLogBytes, logger);
        }
        catch
        {
            Connection.Abandon();
            throw;
        }
        Missions = new LiteDbMissionStore(this);
        Runs = new LiteDbRunStore(this);
        Plans = new LiteDbPlanStore(this);
        Events = new LiteDbEventStore(this);
        AgentLinks = new LiteDbAgentLinkStore(this);
        Attachments = new LiteDbAttachmentStore(this);
        IdempotencyKeys = new LiteDbIdempotencyStore(this);
        logger.LogInformation("LiteDB storage at {Path}", Connection.DataPath);
    }

    public IMissionStore Missions { get; }

    public IRunStore Runs { get; }

    public IPlanStore Plans { get; }

    public IEventStore Events { get; }

    public IAgentLinkStore AgentLinks { get; }

    public IAttachmentStore Attachments { get; }

    public IIdempotencyStore IdempotencyKeys { get; }

    public IRunFeed Feed => _feed;

    public IStorageHealth Health => this;

    public StorageHealthReport Check() => Writer.Health();

    internal LiteDbConnection Connection { get; }

    internal LiteDbWriter Writer { get; }

    internal UuidV7Generator Ids { get; }

    internal StoreClock Clock { get; }

    /// <summary>Where committed changes are published to watchers (by the writer thread, in commit order).</summary>
    internal RunFeedHub Published => _feed;

    public void Dispose()
    {
        Writer.Dispose();
        Connection.Dispose();
    }

    /// <summary>Runs a read on the open database (see <see cref="LiteDbConnection.Read{T}"/>), as a completed task.</summary>
    internal Task<T> Read<T>(Func<LiteDbCollections, T> read, [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        using var span = StorageTelemetry.StartRead(operation);
        return Task.FromResult(Connection.Read(read));
    }

    /// <summary>Runs <paramref name="command"/> in the writer's next batch and returns what it found (or throws its error).</summary>
    internal async Task<T> WriteAsync<T>(Func<LiteDatabase, Outcome<T>> command, CancellationToken cancellationToken, Action<T>? afterCommit = null,
        [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        var scope = IdempotencyScope.Take();
        var digest = scope is null ? default : LiteDbIdempotencyKeys.Digest(scope.Organization, scope.Key); // here, not on the writer's thread
        var outcome = await Writer.ExecuteAsync(
            scope is null ? command : db => Idempotent(db, scope, digest, command),
            afterCommit is null ? null : done =>
            {
                if (!done.Failed && scope is not { Replayed: true }) // a replay wrote nothing: nothing to publish
                {
                    afterCommit(done.Value!);
                }
            },
            cancellationToken,
            operation).ConfigureAwait(false);
        return outcome.Unwrap();
    }

    /// <summary>
    /// <paramref name="command"/> under an <c>Idempotency-Key</c>, in its own transaction: the key's live record decides
    /// (<see cref="IdempotencyRules"/>); a successful write stores its result under the key. One writer runs every
    /// command, so no other request with the key can run between the look-up and the write.
    /// </summary>
    private Outcome<T> Idempotent<T>(LiteDatabase db, IdempotencyScope scope, UInt128 digest, Func<LiteDatabase, Outcome<T>> command)
    {
        var keys = Writer.IdempotencyKeys;
        var stored = keys.Find(db, digest, scope.Organization, scope.Key);
        var now = Clock.Now();
        switch (IdempotencyRules.Decide(stored?.Fingerprint, stored?.ExpiresAt, scope, now))
        {
            case IdempotencyRules.Verdict.Replay:
                return IdempotencyRules.Replay<T>(scope, stored!.Value.Result);
            case IdempotencyRules.Verdict.Reused:
                return IdempotencyRules.Reused<T>(scope);
        }
        var outcome = command(db);
        if (!outcome.Failed)
        {
            keys.Add(digest, scope.Organization, scope.Key,
                new LiteDbIdempotencyKeys.Record(scope.Fingerprint, IdempotencyRules.SerializeToUtf8Bytes(outcome.Value), IdempotencyRules.ExpiresAt(scope, now)));
            Count(+1, IdempotencyRules.Counter); // a record stored (an expired one of the key stays counted until purged)
        }
        return outcome;
    }

    /// <summary>Adds <paramref name="delta"/> to each counter, in the running batch.</summary>
    internal void Count(int delta, params IEnumerable<string> keys) => Writer.Counters.Add(delta, keys);
}
