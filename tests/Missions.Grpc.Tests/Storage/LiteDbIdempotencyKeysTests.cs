using System.Text;
using LiteDB;
using Missions.Grpc.Storage.LiteDb;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// LiteDB's Idempotency-Key records: a batch's records packed into documents of bounded size (a batch of large answers
/// spans several, never one past LiteDB's 16 MB), found again in the running batch, after the commit, and by a fresh
/// map built from the files; purged whole once expired, in bounded rounds.
/// </summary>
public sealed class LiteDbIdempotencyKeysTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_batch_of_large_answers_spans_several_documents_and_every_record_is_found_before_and_after_the_commit_and_after_a_rebuild()
    {
        using var db = new LiteDatabase(new MemoryStream());
        LiteDbIdempotencyKeys.EnsureSchema(db);
        var keys = new LiteDbIdempotencyKeys();
        var large = new string('r', 200_000); // 40 × 200 KB: 8 MB in one batch
        db.BeginTrans();
        keys.Clear();
        for (var i = 0; i < 40; i++)
        {
            keys.Add(LiteDbIdempotencyKeys.Digest("org-a", $"key-{i}"), "org-a", $"key-{i}", new LiteDbIdempotencyKeys.Record($"fp-{i}", Encoding.UTF8.GetBytes(large + i), Now.AddHours(24)));
        }
        Assert.Equal($"fp-7", keys.Find(db, LiteDbIdempotencyKeys.Digest("org-a", "key-7"), "org-a", "key-7")!.Value.Fingerprint); // in the running batch
        keys.Flush(db);
        db.Commit();
        keys.Committed(db);

        var documents = db.GetCollection(LiteDbSchema.IdempotencyKeyBatches).FindAll().ToList();
        Assert.InRange(documents.Count, 6, 8); // a document closes once past 1 MB: six 200 KB records each
        Assert.All(documents, d => Assert.True(d["Length"].AsInt32 < 2 << 20));
        foreach (var fresh in new[] { keys, new LiteDbIdempotencyKeys() }) // the same map, then one built from the files
        {
            for (var i = 0; i < 40; i++)
            {
                var record = fresh.Find(db, LiteDbIdempotencyKeys.Digest("org-a", $"key-{i}"), "org-a", $"key-{i}");
                Assert.Equal($"fp-{i}", record!.Value.Fingerprint);
                Assert.Equal(large + i, Encoding.UTF8.GetString(record.Value.Result));
                Assert.Equal(Now.AddHours(24), record.Value.ExpiresAt);
            }
            Assert.Null(fresh.Find(db, LiteDbIdempotencyKeys.Digest("org-b", "key-1"), "org-b", "key-1")); // organizations apart
        }
    }

    [Fact]
    public void A_batch_that_did_not_commit_leaves_no_record_and_expired_documents_go_in_bounded_rounds()
    {
        using var db = new LiteDatabase(new MemoryStream());
        LiteDbIdempotencyKeys.EnsureSchema(db);
        var keys = new LiteDbIdempotencyKeys();
        for (var batch = 0; batch < 3; batch++)
        {
            db.BeginTrans();
            keys.Clear();
            for (var i = 0; i < 2; i++)
            {
                var key = $"k-{batch}-{i}";
                keys.Add(LiteDbIdempotencyKeys.Digest("org-a", key), "org-a", key, new LiteDbIdempotencyKeys.Record("fp", "{}"u8.ToArray(), Now.AddHours(1)));
            }
            keys.Flush(db);
            db.Commit();
            keys.Committed(db);
        }
        // A batch rolled back: its records are not found, in the map or in the files.
        db.BeginTrans();
        keys.Clear();
        keys.Add(LiteDbIdempotencyKeys.Digest("org-a", "lost"), "org-a", "lost", new LiteDbIdempotencyKeys.Record("fp", "{}"u8.ToArray(), Now.AddHours(1)));
        keys.Flush(db);
        db.Rollback();
        keys.Clear(); // what the writer does before its next attempt
        Assert.Null(keys.Find(db, LiteDbIdempotencyKeys.Digest("org-a", "lost"), "org-a", "lost"));
        Assert.Null(new LiteDbIdempotencyKeys().Find(db, LiteDbIdempotencyKeys.Digest("org-a", "lost"), "org-a", "lost"));

        Assert.Equal(0, Purge(keys, db, Now, limit: 10)); // none expired yet
        Assert.Equal(2, Purge(keys, db, Now.AddHours(2), limit: 3)); // whole documents within the limit: one of two records
        Assert.Equal(4, Purge(keys, db, Now.AddHours(2), limit: 10));
        Assert.Equal(0, Purge(keys, db, Now.AddHours(2), limit: 10));
        Assert.Null(keys.Find(db, LiteDbIdempotencyKeys.Digest("org-a", "k-0-0"), "org-a", "k-0-0"));
        Assert.Empty(db.GetCollection(LiteDbSchema.IdempotencyKeyBatches).FindAll());
    }

    [Fact]
    public void A_batchs_records_are_stored_compressed_and_a_document_written_before_compression_is_still_read()
    {
        using var db = new LiteDatabase(new MemoryStream());
        LiteDbIdempotencyKeys.EnsureSchema(db);
        var keys = new LiteDbIdempotencyKeys();
        db.BeginTrans();
        keys.Clear();
        for (var i = 0; i < 13; i++)
        {
            var result = $$"""{"Id":"01a23552-45c4-75df-8969-b3f1fe2f62{{i:D2}}","Organization":"org-a","Name":"Triage inbound calls","Description":null,"ExecutionMode":"external","CreatedAt":"2026-12-02T05:55:13.9{{i:D2}}Z"}""";
            keys.Add(LiteDbIdempotencyKeys.Digest("org-a", $"key-{i}"), "org-a", $"key-{i}", new LiteDbIdempotencyKeys.Record($"fp-{i}", Encoding.UTF8.GetBytes(result), Now.AddHours(1)));
        }
        keys.Flush(db);
        db.Commit();
        keys.Committed(db);
        var document = Assert.Single(db.GetCollection(LiteDbSchema.IdempotencyKeyBatches).FindAll());
        Assert.True(document["Brotli"].AsBinary.Length * 3 < document["Length"].AsInt32, $"{document["Brotli"].AsBinary.Length} of {document["Length"].AsInt32} bytes");

        // The format before compression: the packed records as they are, under "Entries".
        using var packed = new MemoryStream();
        using (var writer = new BinaryWriter(packed, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("org-a");
            writer.Write("old-key");
            writer.Write("old-fp");
            writer.Write("""{"Id":"old"}""");
            writer.Write(Now.AddHours(1).Ticks);
        }
        db.GetCollection(LiteDbSchema.IdempotencyKeyBatches, BsonAutoId.Int64).Insert(new BsonDocument { ["ExpiresAt"] = Now.AddHours(1), ["Entries"] = packed.ToArray() });
        var fresh = new LiteDbIdempotencyKeys();
        var old = fresh.Find(db, LiteDbIdempotencyKeys.Digest("org-a", "old-key"), "org-a", "old-key");
        Assert.Equal("old-fp", old!.Value.Fingerprint);
        Assert.Equal("""{"Id":"old"}""", Encoding.UTF8.GetString(old.Value.Result));
        Assert.Equal("fp-12", fresh.Find(db, LiteDbIdempotencyKeys.Digest("org-a", "key-12"), "org-a", "key-12")!.Value.Fingerprint);
    }

    [Fact]
    public void The_purge_follows_the_ids_and_stops_at_the_first_document_not_yet_expired()
    {
        using var db = new LiteDatabase(new MemoryStream());
        LiteDbIdempotencyKeys.EnsureSchema(db);
        var keys = new LiteDbIdempotencyKeys();
        foreach (var (key, hours) in new[] { ("long", 3), ("short", 1) }) // a shorter retention configured in between
        {
            db.BeginTrans();
            keys.Clear();
            keys.Add(LiteDbIdempotencyKeys.Digest("org-a", key), "org-a", key, new LiteDbIdempotencyKeys.Record("fp", "{}"u8.ToArray(), Now.AddHours(hours)));
            keys.Flush(db);
            db.Commit();
            keys.Committed(db);
        }
        Assert.Equal(0, Purge(keys, db, Now.AddHours(2), limit: 10)); // the newer record waits behind the older one
        Assert.Equal(2, Purge(keys, db, Now.AddHours(4), limit: 10));
    }

    /// <summary>A purge round as the write pipeline runs it: the expired documents found, deleted in a transaction, committed.</summary>
    private static int Purge(LiteDbIdempotencyKeys keys, LiteDatabase db, DateTime now, int limit)
    {
        db.BeginTrans();
        keys.Clear();
        var (purged, _, documents) = keys.Expired(db, now, limit);
        keys.Delete(db, documents);
        db.Commit();
        keys.Committed(db);
        return purged.Count;
    }
}
