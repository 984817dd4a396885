using Missions.Grpc.Storage.Core;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// LiteDB's <c>Idempotency-Key</c> records (the writer's thread only). A batch's records are stored as one document of
/// the <c>idempotency_key_batches</c> collection (more when they exceed <see cref="ChunkBytes"/>), in the batch's own
/// transaction: one insert per batch instead of one per keyed write, under a sequential id (its only index entry), the
/// records packed as one binary value (length-prefixed UTF-8 strings and the expiry's ticks) and Brotli-compressed.
/// Which document holds a key's latest record is kept in memory (a 128-bit digest of organization and key → document
/// id, built from the files the first time the opened database needs it, so after every reopen it is what the files
/// hold), and the record itself is read back only when a key comes again. A batch's records join that map only once
/// its commit succeeded. docs/storage.md → "Idempotency-Key records" has the measurements behind each choice.
/// </summary>
internal sealed class LiteDbIdempotencyKeys
{
    private const string ExpiresAt = "ExpiresAt";

    /// <summary>The packed records, uncompressed (documents written before compression).</summary>
    private const string Entries = "Entries";

    /// <summary>The packed records, Brotli-compressed, and their length before compression.</summary>
    private const string Compressed = "Brotli";
    private const string PackedLength = "Length";

    /// <summary>
    /// Brotli's quality 1, its fastest: the records are mostly JSON with repeated property names, which shrink several
    /// times over, so a batch's document fits inside a page already in use instead of a new page (and its collection
    /// and file header pages) per commit; uncompressed, the records' bytes were most of a keyed write's cost
    /// (bench/IDEMPOTENCY.md has the figures).
    /// </summary>
    private const int Quality = 1;
    private const int Window = 22;

    /// <summary>A document holds records up to about this size (at least one): far below LiteDB's 16 MB per document.</summary>
    private const int ChunkBytes = 1 << 20;

    /// <summary>The running batch's records, by digest (replayed from here when a key comes twice in one batch).</summary>
    private readonly Dictionary<UInt128, Entry> _pending = [];

    /// <summary>Key digest → id of the document with its latest record, for <see cref="_builtFor"/>.</summary>
    private DigestMap? _committed;
    private LiteDatabase? _builtFor;

    /// <summary>The running batch's stored records: which document holds each (set by <see cref="Flush"/>).</summary>
    private readonly List<(UInt128 Digest, long Id)> _flushed = [];

    /// <summary>The running batch's purged records: which document held each (set by <see cref="Delete"/>).</summary>
    private readonly List<(UInt128 Digest, long Id)> _purged = [];

    /// <summary>Where <see cref="Flush"/> packs records (kept: one buffer for every batch).</summary>
    private readonly MemoryStream _buffer = new();
    private readonly BinaryWriter _bufferWriter;

    public LiteDbIdempotencyKeys() => _bufferWriter = new BinaryWriter(_buffer, Encoding.UTF8, leaveOpen: true);

    /// <summary>A key's record; <paramref name="Result"/> is the write's result as UTF-8 JSON (<see cref="IdempotencyRules.SerializeToUtf8Bytes"/>).</summary>
    public readonly record struct Record(string Fingerprint, byte[] Result, DateTime ExpiresAt);

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
        foreach (var entry in Read(document))
        {
            if (entry.Organization == organization && entry.Key == key)
            {
                return entry.Record;
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
        _flushed.Clear();
        _purged.Clear();
    }

    /// <summary>Stores the running batch's records as one document (or a few, when large), in its transaction.</summary>
    public void Flush(LiteDatabase db)
    {
        if (_pending.Count == 0)
        {
            return;
        }
        var buffer = _buffer;
        var writer = _bufferWriter;
        buffer.SetLength(0);
        var chunk = new List<UInt128>();
        var expires = DateTime.MinValue;
        foreach (var (digest, entry) in _pending)
        {
            writer.Write(entry.Organization);
            writer.Write(entry.Key);
            writer.Write(entry.Record.Fingerprint);
            writer.Write7BitEncodedInt(entry.Record.Result.Length); // as BinaryWriter writes a string: length, then UTF-8
            writer.Write(entry.Record.Result);
            writer.Write(entry.Record.ExpiresAt.Ticks);
            chunk.Add(digest);
            expires = entry.Record.ExpiresAt > expires ? entry.Record.ExpiresAt : expires;
            if (buffer.Length >= ChunkBytes)
            {
                Store(db, buffer, chunk, ref expires);
            }
        }
        if (chunk.Count > 0)
        {
            Store(db, buffer, chunk, ref expires);
        }
    }

    private void Store(LiteDatabase db, MemoryStream buffer, List<UInt128> chunk, ref DateTime expires)
    {
        var packed = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var compressed = new byte[BrotliEncoder.GetMaxCompressedLength(packed.Length)];
        if (!BrotliEncoder.TryCompress(packed, compressed, out var written, Quality, Window))
        {
            throw new InvalidOperationException("Brotli could not compress the batch's Idempotency-Key records");
        }
        var document = new BsonDocument
        {
            [ExpiresAt] = expires,
            [PackedLength] = packed.Length,
            [Compressed] = compressed[..written],
        };
        var id = Collection(db).Insert(document).AsInt64;
        _flushed.AddRange(chunk.Select(digest => (digest, id)));
        buffer.SetLength(0);
        chunk.Clear();
        expires = DateTime.MinValue;
    }

    /// <summary>The batch committed: its records are the keys' latest; the keys whose latest record it purged have none.</summary>
    public void Committed(LiteDatabase db)
    {
        if (_committed is not null && ReferenceEquals(db, _builtFor))
        {
            foreach (var (digest, id) in _purged)
            {
                if (_committed.TryGetValue(digest, out var latest) && latest == id)
                {
                    _committed.Remove(digest);
                }
            }
            foreach (var (digest, id) in _flushed)
            {
                _committed[digest] = id;
            }
        }
        Clear();
    }

    /// <summary>
    /// Documents whose records have all expired, oldest first, until about <paramref name="limit"/> records (at least one
    /// document), and how many keys have their latest record in them (what the count of stored keys loses when they go).
    /// Documents are taken in id order, which is the order they expire in while the retention stays the same; a document
    /// not yet expired ends the round (after a shorter retention was configured, newer documents wait behind older ones,
    /// at most the older retention).
    /// </summary>
    public (IReadOnlyList<(string Organization, string Key)> Keys, IReadOnlyList<int> KiB, IReadOnlyList<long> Documents) Expired(LiteDatabase db, DateTime now, int limit)
    {
        var index = Index(db);
        var documents = new List<long>();
        var records = 0;
        var keys = new List<(string, string)>();
        var kib = new List<int>();
        foreach (var document in Collection(db).Find(Query.All(Query.Ascending)))
        {
            if (document[ExpiresAt].AsDateTime >= now)
            {
                break;
            }
            var entries = Read(document);
            if (documents.Count > 0 && records + entries.Count > limit)
            {
                break;
            }
            var id = document["_id"].AsInt64;
            documents.Add(id);
            records += entries.Count;
            foreach (var entry in entries.Where(e => index.TryGetValue(Digest(e.Organization, e.Key), out var latest) && latest == id))
            {
                keys.Add((entry.Organization, entry.Key));
                kib.Add(StoredSize.KiB(entry.Key, entry.Record.Fingerprint, entry.Record.Result.Length));
            }
        }
        return (keys, kib, documents);
    }

    /// <summary>Deletes <paramref name="documents"/> (from <see cref="Expired"/>) in the running batch; their keys leave the map once it commits.</summary>
    public void Delete(LiteDatabase db, IReadOnlyList<long> documents)
    {
        var collection = Collection(db);
        foreach (var id in documents)
        {
            if (collection.FindById(id) is { } document)
            {
                _purged.AddRange(Read(document).Select(e => (Digest(e.Organization, e.Key), id)));
                collection.Delete(id);
            }
        }
    }

    /// <summary>
    /// The schema's part: no index beside the id (purge follows the ids), so a batch's records cost one index entry. An
    /// expiry index of earlier files is dropped: each insert dirtied about two more index pages of the batch's commit.
    /// </summary>
    public static void EnsureSchema(LiteDatabase db) => Collection(db).DropIndex(ExpiresAt);

    private static ILiteCollection<BsonDocument> Collection(LiteDatabase db) =>
        db.GetCollection(LiteDbSchema.IdempotencyKeyBatches, BsonAutoId.Int64);

    private DigestMap Index(LiteDatabase db)
    {
        if (_committed is null || !ReferenceEquals(db, _builtFor))
        {
            var index = new DigestMap();
            foreach (var document in Collection(db).FindAll()) // in id order: a later record of a key replaces an earlier one
            {
                var id = document["_id"].AsInt64;
                foreach (var entry in Read(document))
                {
                    index[Digest(entry.Organization, entry.Key)] = id;
                }
            }
            (_committed, _builtFor) = (index, db);
        }
        return _committed;
    }

    /// <summary>The records a document holds, in the order <see cref="Flush"/> wrote them.</summary>
    private static List<Entry> Read(BsonDocument document)
    {
        var entries = new List<Entry>();
        using var reader = new BinaryReader(new MemoryStream(Packed(document)), Encoding.UTF8);
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            var organization = reader.ReadString();
            var key = reader.ReadString();
            var fingerprint = reader.ReadString();
            var result = reader.ReadBytes(reader.Read7BitEncodedInt());
            var expires = new DateTime(reader.ReadInt64(), DateTimeKind.Utc);
            entries.Add(new Entry(organization, key, new Record(fingerprint, result, expires)));
        }
        return entries;
    }

    private static byte[] Packed(BsonDocument document)
    {
        if (!document.TryGetValue(Compressed, out var compressed))
        {
            return document[Entries].AsBinary;
        }
        var packed = new byte[document[PackedLength].AsInt32];
        if (!BrotliDecoder.TryDecompress(compressed.AsBinary, packed, out var written) || written != packed.Length)
        {
            throw new InvalidDataException($"The Idempotency-Key records of document {document["_id"]} cannot be decompressed");
        }
        return packed;
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

    /// <summary>
    /// Digest → document id, in 256 dictionaries by the digest's first byte: one dictionary of millions of keys stops
    /// the writer for its whole rehash when it grows (long enough, at millions of keys, to show in every queued write's
    /// latency); a shard's growth is 1/256 of that.
    /// </summary>
    private sealed class DigestMap
    {
        private readonly Dictionary<UInt128, long>[] _shards = Enumerable.Range(0, 256).Select(_ => new Dictionary<UInt128, long>()).ToArray();

        public long this[UInt128 digest]
        {
            set => Shard(digest)[digest] = value;
        }

        public bool TryGetValue(UInt128 digest, out long id) => Shard(digest).TryGetValue(digest, out id);

        public bool Remove(UInt128 digest) => Shard(digest).Remove(digest);

        private Dictionary<UInt128, long> Shard(UInt128 digest) => _shards[(int)(digest >> 120)];
    }
}
