using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The embedded backend: one LiteDB file in direct mode, opened by <see cref="LiteDbConnection"/> (one process per
/// file; reopened after a storage fault), all writes through <see cref="LiteDbWriter"/>, reads concurrent.
/// Lists walk string keys of the form organization + '\u0001' + … + UUIDv7 id (so creation order), from
/// the newest; totals come from counters the writer keeps in the same transaction as the change.
/// One partial file per resource (missions, runs, plans, events, links, attachments); this one holds what they share.
/// </summary>
public sealed partial class LiteDbStore : IMissionStore, IRunStore, IPlanStore, IEventStore, IAgentLinkStore, IAttachmentStore, IRunFeed, IStorageHealth, IDisposable
{
    private readonly LiteDbConnection _connection;
    private readonly LiteDbWriter _writer;
    private readonly UuidV7Generator _ids;
    private readonly TimeProvider _clock;
    private readonly RunFeedHub _feed = new();

    public LiteDbStore(IOptions<StorageOptions> options, ILogger<LiteDbStore> logger, TimeProvider? clock = null)
        : this(options, logger, clock, FileSystemFileOpener.Instance)
    {
    }

    /// <summary>Opens the file through <paramref name="files"/> (tests give a disk that fails). Throws <see cref="StorageStartException"/>.</summary>
    internal LiteDbStore(IOptions<StorageOptions> options, ILogger<LiteDbStore> logger, TimeProvider? clock, IStorageFileOpener files)
    {
        var liteDb = options.Value.LiteDb;
        _clock = clock ?? TimeProvider.System;
        _ids = new UuidV7Generator(_clock);
        _connection = LiteDbConnection.Open(liteDb.Path, files, liteDb.MinFreeBytes);
        try
        {
            _writer = new LiteDbWriter(_connection, liteDb.MaxBatchSize, liteDb.CheckpointLogBytes, logger);
        }
        catch
        {
            _connection.Abandon();
            throw;
        }
        logger.LogInformation("LiteDB storage at {Path}", _connection.DataPath);
    }

    public RunSubscription Subscribe(string organization, Guid runId, int capacity) => _feed.Subscribe(organization, runId, capacity);

    public StorageHealthReport Check() => _writer.Health();

    public void Dispose()
    {
        _writer.Dispose();
        _connection.Dispose();
    }

    /// <summary>Runs a read on the open database (see <see cref="LiteDbConnection.Read{T}"/>), as a completed task.</summary>
    private Task<T> Read<T>(Func<LiteDbCollections, T> read) => Task.FromResult(_connection.Read(read));

    /// <summary>
    /// Keys of <paramref name="keyField"/> from <paramref name="low"/> to <paramref name="high"/>, with the values as
    /// parameters: LiteDB compiles an expression once per distinct text and keeps it for good, so values written into
    /// the text (as its own <c>Query.Between</c> does) would compile — and keep — one delegate per range.
    /// </summary>
    internal static BsonExpression Range(string keyField, string low, string high) =>
        BsonExpression.Create(keyField + " BETWEEN @0 AND @1", low, high);

    /// <summary>The keys of <paramref name="keyField"/> that start with <paramref name="prefix"/>.</summary>
    internal static BsonExpression StartingWith(string keyField, string prefix) => Range(keyField, prefix, prefix + "\uffff");

    /// <summary><paramref name="keyField"/> equal to <paramref name="value"/>, as a parameter (see <see cref="Range"/>).</summary>
    internal static BsonExpression Equal(string keyField, string value) => BsonExpression.Create(keyField + " = @0", value);

    /// <summary>
    /// One page of <paramref name="collection"/> along the string index <paramref name="keyField"/>, over the
    /// keys that start with <paramref name="prefix"/>, newest (highest key) first or oldest first. Two range
    /// scans: the first selects only the indexed key, so LiteDB reads no document for the entries it skips,
    /// and finds the page's first and last keys; the second loads just the documents between them. The first page has
    /// nothing to skip: one scan, which loads its documents as it walks the index and stops after <paramref name="limit"/>.
    /// </summary>
    private static List<T> PageOf<T>(ILiteCollection<T> collection, string keyField, string prefix, int offset, int limit, bool newestFirst = true)
    {
        var range = collection.Query().Where(StartingWith(keyField, prefix));
        var ordered = newestFirst ? range.OrderByDescending(keyField) : range.OrderBy(keyField);
        if (offset == 0)
        {
            return ordered.Limit(limit).ToList();
        }
        var keys = ordered
            .Select(BsonExpression.Create("{ k: $." + keyField + " }"))
            .Skip(offset)
            .Limit(limit)
            .ToDocuments()
            .Select(d => d["k"].AsString)
            .ToList();
        if (keys.Count == 0)
        {
            return [];
        }
        var (low, high) = newestFirst ? (keys[^1], keys[0]) : (keys[0], keys[^1]);
        var page = collection.Query().Where(Range(keyField, low, high));
        return (newestFirst ? page.OrderByDescending(keyField) : page.OrderBy(keyField)).Limit(limit).ToList();
    }

    /// <summary>Every document whose <paramref name="keyField"/> starts with <paramref name="prefix"/>, in key order.</summary>
    private static List<T> AllOf<T>(ILiteCollection<T> collection, string keyField, string prefix) =>
        collection.Find(StartingWith(keyField, prefix)).ToList();

    /// <summary>How many keys of <paramref name="keyField"/> start with <paramref name="prefix"/> (index only).</summary>
    private static int CountOf<T>(ILiteCollection<T> collection, string keyField, string prefix) =>
        collection.Query()
            .Where(StartingWith(keyField, prefix))
            .Select(BsonExpression.Create("{ k: $." + keyField + " }"))
            .ToDocuments()
            .Count();

    /// <summary>Adds <paramref name="delta"/> to each counter, inside the writer's transaction.</summary>
    private void AddToCounters(int delta, params IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            _writer.Counters.Add(key, delta);
        }
    }

    private DateTime Now()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    /// <summary>Now, or a millisecond after <paramref name="previous"/> if the clock has not moved past it.</summary>
    private DateTime Later(DateTime previous)
    {
        var now = Now();
        var floor = previous.ToUniversalTime().AddMilliseconds(1);
        return now >= floor ? now : DateTime.SpecifyKind(floor, DateTimeKind.Utc);
    }
}

/// <summary>Key building: an organization's keys form one range no other organization's keys enter.</summary>
internal static class Keys
{
    /// <summary>Longest caller-chosen key part, in UTF-8 bytes, kept as is; longer ones are hashed.</summary>
    public const int MaxPlainPartBytes = 128;

    /// <summary>
    /// A caller-chosen string (step id, agent id, idempotency key, attachment id) made safe as a key part: it
    /// holds no separator, so <c>a</c> and <c>a\u0001b</c> stay distinct ranges; and it is short, because LiteDB
    /// index keys must stay under 1023 bytes — a part over <see cref="MaxPlainPartBytes"/> UTF-8 bytes (256
    /// four-byte characters are 1024) becomes a SHA-256 of itself behind a marker no escaped string contains.
    /// </summary>
    public static string Part(string free)
    {
        var escaped = free.Replace("\u0002", "\u0002\u0002").Replace("\u0001", "\u0002\u0003");
        return System.Text.Encoding.UTF8.GetByteCount(escaped) <= MaxPlainPartBytes
            ? escaped
            : "\u0002\u0004" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(free)));
    }

    /// <summary>
    /// The separator sorts below every character an organization, id or status holds, so
    /// <c>a\u0001…</c> and <c>ab\u0001…</c> never interleave.
    /// </summary>
    public const char Separator = '\u0001';

    public static string Of(params string[] parts) => string.Join(Separator, parts);

    /// <summary>The prefix of every key that starts with <paramref name="parts"/>.</summary>
    public static string Prefix(params string[] parts) => Of(parts) + Separator;
}

/// <summary>
/// What a writer command found: a value, or the error to raise once the writer has returned. Expected
/// outcomes (not found, conflicts) are returned rather than thrown: a command that throws rolls back the
/// whole batch it shares with other callers' writes.
/// </summary>
internal readonly record struct Outcome<T>(T? Value, Exception? Error)
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static Outcome<T> Fail(Exception error) => new(default, error);

    public T Unwrap() => Error is null ? Value! : throw Error;
}

/// <summary>Times as stored documents carry them: UTC (LiteDB hands back local times).</summary>
internal static class Times
{
    public static DateTime Utc(DateTime stored) => DateTime.SpecifyKind(stored.ToUniversalTime(), DateTimeKind.Utc);

    public static DateTime? Utc(DateTime? stored) => stored is { } value ? Utc(value) : null;
}

/// <summary>A count the writer maintains so list totals cost one read.</summary>
internal sealed class CounterRecord
{
    public string Id { get; set; } = "";
    public int Count { get; set; }
}
