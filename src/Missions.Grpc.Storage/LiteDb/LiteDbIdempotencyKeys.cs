using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// LiteDB's <c>Idempotency-Key</c> records (the writer's thread only). A batch's records are stored as one document of
/// the <c>idempotency_key_batches</c> collection, in the batch's own transaction: one insert per batch instead of one
/// per keyed write, under a sequential id, and one entry in the expiry index. Which document holds a key's latest
/// record is kept in memory (a 128-bit digest of organization and key → document id, built from the files the first
/// time the opened database needs it, so after every reopen it is what the files hold), and the record itself is read
/// back only when a key comes again. A batch's records join that map only once its commit succeeded.
/// </summary>
internal sealed class LiteDbIdempotencyKeys
{
    private const string Entries = "Entries";
    private const string ExpiresAt = "ExpiresAt";

    /// <summary>The running batch's records, by digest (replayed from here when a key comes twice in one batch).</summary>
    private readonly Dictionary<UInt128, Entry> _pending = [];

    /// <summary>Key digest → id of the document with its latest record, for <see cref="_builtFor"/>.</summary>
    private Dictionary<UInt128, long>? _committed;
    private LiteDatabase? _builtFor;
    private long? _flushed;

    public readonly record struct Record(string Fingerprint, string Result, DateTime ExpiresAt);

    private sealed record Entry(string Organization, string Key, Record Record);

    /// <summary>The key's latest record (expired or not), in the running batch or stored; <paramref name="digest"/> is <see cref="Digest"/>'s.</summary>
    public Record? Find(LiteDatabase db, UInt128 digest, string organization, string key)
    {
        if (_pending.TryGetValue(digest, out var pending))
        {
            return pending.Record;
        }
        if (!Index(db).TryGetValue(digest, out var id) || Collection(db).FindById(id) is not { } document)
        {
            return null;
        }
        foreach (var entry in document[Entries].AsArray)
        {
            if (entry["o"].AsString == organization && entry["k"].AsString == key)
            {
                return new Record(entry["f"].AsString, entry["r"].AsString, entry["x"].AsDateTime);
            }
        }
        return null; // another key with the same digest (2^-128): this one has no record
    }

    /// <summary>Keeps <paramref name="record"/> under the key with the running batch (stored by <see cref="Flush"/>).</summary>
    public void Add(UInt128 digest, string organization, string key, Record record) =>
        _pending[digest] = new Entry(organization, key, record);

    /// <summary>Starts a batch (or its next attempt): nothing of an earlier attempt is kept.</summary>
    public void Clear()
    {
        _pending.Clear();
        _flushed = null;
    }

    /// <summary>Stores the running batch's records as one document, in its transaction.</summary>
    public void Flush(LiteDatabase db)
    {
        if (_pending.Count == 0)
        {
            return;
        }
        var entries = new BsonArray();
        var expires = DateTime.MinValue;
        foreach (var (_, entry) in _pending)
        {
            entries.Add(new BsonDocument
            {
                ["o"] = entry.Organization, ["k"] = entry.Key, ["f"] = entry.Record.Fingerprint, ["r"] = entry.Record.Result,
                ["x"] = entry.Record.ExpiresAt,
            });
            expires = entries.Count == 1 || entry.Record.ExpiresAt > expires ? entry.Record.ExpiresAt : expires;
        }
        _flushed = Collection(db).Insert(new BsonDocument { [ExpiresAt] = expires, [Entries] = entries }).AsInt64;
    }

    /// <summary>The batch committed: its records are the keys' latest.</summary>
    public void Committed(LiteDatabase db)
    {
        if (_flushed is { } id && _committed is not null && ReferenceEquals(db, _builtFor))
        {
            foreach (var digest in _pending.Keys)
            {
                _committed[digest] = id;
            }
        }
        Clear();
    }

    /// <summary>
    /// Deletes documents whose records have all expired, oldest expiry first, until about <paramref name="limit"/>
    /// records (at least one document); returns how many records were deleted.
    /// </summary>
    public int Purge(LiteDatabase db, DateTime now, int limit)
    {
        var collection = Collection(db);
        var expired = new List<(long Id, BsonArray Entries)>();
        var records = 0;
        foreach (var document in collection.Find(Query.LT(ExpiresAt, now)))
        {
            var entries = document[Entries].AsArray;
            if (expired.Count > 0 && records + entries.Count > limit)
            {
                break;
            }
            expired.Add((document["_id"].AsInt64, entries));
            records += entries.Count;
        }
        var index = Index(db);
        foreach (var (id, entries) in expired)
        {
            collection.Delete(id);
            foreach (var entry in entries)
            {
                var digest = Digest(entry["o"].AsString, entry["k"].AsString);
                if (index.TryGetValue(digest, out var latest) && latest == id)
                {
                    index.Remove(digest); // expired: removing it early, should the batch roll back, changes no answer
                }
            }
        }
        return records;
    }

    /// <summary>Declares the collection's expiry index (the schema's part).</summary>
    public static void EnsureSchema(LiteDatabase db) => Collection(db).EnsureIndex(ExpiresAt);

    private static ILiteCollection<BsonDocument> Collection(LiteDatabase db) =>
        db.GetCollection(LiteDbSchema.IdempotencyKeyBatches, BsonAutoId.Int64);

    private Dictionary<UInt128, long> Index(LiteDatabase db)
    {
        if (_committed is null || !ReferenceEquals(db, _builtFor))
        {
            var index = new Dictionary<UInt128, long>();
            foreach (var document in Collection(db).FindAll()) // in id order: a later record of a key replaces an earlier one
            {
                var id = document["_id"].AsInt64;
                foreach (var entry in document[Entries].AsArray)
                {
                    index[Digest(entry["o"].AsString, entry["k"].AsString)] = id;
                }
            }
            (_committed, _builtFor) = (index, db);
        }
        return _committed;
    }

    /// <summary>The first 128 bits of SHA-256 over organization, a separator and key.</summary>
    public static UInt128 Digest(string organization, string key)
    {
        var length = Encoding.UTF8.GetByteCount(organization) + 1 + Encoding.UTF8.GetByteCount(key);
        Span<byte> input = length <= 1024 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(organization, input);
        input[written] = 0;
        Encoding.UTF8.GetBytes(key, input[(written + 1)..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
